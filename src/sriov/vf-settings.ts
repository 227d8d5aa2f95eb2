// PF-level VF settings: apply what was configured (journalled, in sriov-cni's driver-safe order)
// and restore the original state.
import { CniError } from '../cni/index.js';
import { type Clock, HostError, type PfControl, type VfConfig } from '../host/ports.js';
import type { configuredSettings } from './config.js';
import { SriovCode } from './errors.js';
import type { Journal } from './journal.js';
import type { VfRef } from './resolve.js';

export type Settings = ReturnType<typeof configuredSettings>;

export interface RetryPolicy {
  /** Attempts to see a MAC take effect (some drivers apply it asynchronously: i40e/iavf). */
  macAttempts: number;
  macDelayMs: number;
}

/** A driver refusing a setting is the user's to know about, by the config key that asked for it. */
export function refused(setting: string, value: string, vf: VfRef, e: unknown): CniError {
  const err = e as Error;
  const errno = e instanceof HostError ? e.errno : null;
  const why =
    errno === 'EOPNOTSUPP' || errno === 'EPROTONOSUPPORT'
      ? 'the driver does not support it'
      : errno === 'EINVAL'
        ? 'the driver rejected the value'
        : 'the driver refused it';
  return new CniError(
    SriovCode.DriverRefused,
    `cannot set ${setting} ${value} on VF ${vf.index} of ${vf.pf} (${vf.pci}): ${why}`,
    err.message,
  );
}

export const ZERO_MAC = '00:00:00:00:00:00';

export class VfSettings {
  constructor(
    private readonly pf: PfControl,
    private readonly clock: Clock,
    private readonly retry: RetryPolicy,
  ) {}

  /** The VF's current PF-level state; a clear error when the PF no longer has it. */
  read(vf: VfRef): VfConfig {
    let state: VfConfig | null;
    try {
      state = this.pf.readVf(vf.pf, vf.index);
    } catch (e) {
      throw new CniError(
        SriovCode.DeviceUnusable,
        `cannot read the settings of VF ${vf.index} on ${vf.pf}`,
        (e as Error).message,
      );
    }
    if (!state) throw new CniError(SriovCode.DeviceUnusable, `PF ${vf.pf} reports no VF ${vf.index} (${vf.pci})`);
    return state;
  }

  /** Sets the admin MAC and waits until the PF reports it. */
  private setMac(vf: VfRef, mac: string): void {
    this.pf.setMac(vf.pf, vf.index, mac);
    for (let i = 1; i < this.retry.macAttempts; i++) {
      if (this.pf.readVf(vf.pf, vf.index)?.mac.toLowerCase() === mac) return;
      this.clock.sleep(this.retry.macDelayMs);
    }
    if (this.pf.readVf(vf.pf, vf.index)?.mac.toLowerCase() !== mac) {
      throw new HostError(`the PF still reports another admin MAC after ${this.retry.macAttempts} checks`, 'ETIMEDOUT');
    }
  }

  /**
   * Applies the configured settings in sriov-cni's order (VLAN, admin MAC, rate, spoofchk, trust,
   * link state), journalling each so a later failure puts back exactly the original values.
   */
  apply(vf: VfRef, want: Settings, orig: VfConfig, journal: Journal): void {
    const { pf } = this;
    const step = (setting: string, value: string, run: () => void, undo: () => void) => {
      try {
        run();
      } catch (e) {
        throw refused(setting, value, vf, e);
      }
      journal.record(`restore ${setting} of ${vf.pci}`, undo);
    };
    if (want.vlan !== undefined) {
      const v = want.vlan,
        q = want.vlanQoS ?? 0,
        p = want.vlanProto ?? '802.1q';
      // Name the key most likely refused: drivers without 802.1ad (igb) refuse the protocol.
      const [key, value] =
        p === '802.1ad'
          ? ['vlanProto', `802.1ad (with vlan ${v}, vlanQoS ${q})`]
          : q !== 0
            ? ['vlan', `${v} with vlanQoS ${q}`]
            : ['vlan', String(v)];
      step(
        key,
        value,
        () => pf.setVlan(vf.pf, vf.index, v, q, p),
        () => pf.setVlan(vf.pf, vf.index, orig.vlan, orig.qos, orig.proto),
      );
    }
    if (want.mac !== undefined) {
      const mac = want.mac;
      step(
        'mac',
        mac,
        () => this.setMac(vf, mac),
        () => pf.setMac(vf.pf, vf.index, orig.mac),
      );
    }
    if (want.minTxRate !== undefined || want.maxTxRate !== undefined) {
      const min = want.minTxRate ?? orig.minTxRate,
        max = want.maxTxRate ?? orig.maxTxRate;
      const setting = want.minTxRate !== undefined && want.minTxRate !== orig.minTxRate ? 'min_tx_rate' : 'max_tx_rate';
      step(
        setting,
        `${setting === 'min_tx_rate' ? min : max} Mbps`,
        () => pf.setRate(vf.pf, vf.index, min, max),
        () => pf.setRate(vf.pf, vf.index, orig.minTxRate, orig.maxTxRate),
      );
    }
    if (want.spoofchk !== undefined) {
      const on = want.spoofchk;
      step(
        'spoofchk',
        on ? 'on' : 'off',
        () => pf.setSpoofchk(vf.pf, vf.index, on),
        () => pf.setSpoofchk(vf.pf, vf.index, orig.spoofchk ?? true),
      );
    }
    if (want.trust !== undefined) {
      const on = want.trust;
      step(
        'trust',
        on ? 'on' : 'off',
        () => pf.setTrust(vf.pf, vf.index, on),
        () => pf.setTrust(vf.pf, vf.index, orig.trust ?? false),
      );
    }
    if (want.linkState !== undefined) {
      const s = want.linkState;
      step(
        'link_state',
        s,
        () => pf.setLinkState(vf.pf, vf.index, s),
        () => pf.setLinkState(vf.pf, vf.index, orig.linkState ?? 'auto'),
      );
    }
  }

  /**
   * Puts back the original PF-level state of what was configured, plus the admin MAC whenever
   * it changed (a DPDK application with trust can change it; sriov-cni #214/#397). Order as
   * sriov-cni's reset: VLAN, spoofchk, admin MAC, trust, rate, link state. Keeps going past
   * failures and returns them, so one refused reset does not leave the rest applied.
   */
  restore(vf: VfRef, configured: Settings, orig: VfConfig): Error[] {
    const { pf } = this;
    const errors: Error[] = [];
    const attempt = (what: string, run: () => void) => {
      try {
        run();
      } catch (e) {
        errors.push(new Error(`restoring ${what} of VF ${vf.index} on ${vf.pf}: ${(e as Error).message}`));
      }
    };
    let now: VfConfig | null = null;
    try {
      now = pf.readVf(vf.pf, vf.index);
    } catch (e) {
      errors.push(e as Error);
    }
    if (!now) {
      errors.push(new Error(`PF ${vf.pf} no longer has VF ${vf.index}; nothing to restore`));
      return errors;
    }
    const differs = (a: unknown, b: unknown) => a !== b;
    if (
      configured.vlan !== undefined &&
      (differs(now.vlan, orig.vlan) || differs(now.qos, orig.qos) || differs(now.proto, orig.proto))
    ) {
      attempt('vlan', () => pf.setVlan(vf.pf, vf.index, orig.vlan, orig.qos, orig.proto));
    }
    if (configured.spoofchk !== undefined && orig.spoofchk !== null && now.spoofchk !== orig.spoofchk) {
      attempt('spoofchk', () => pf.setSpoofchk(vf.pf, vf.index, orig.spoofchk!));
    }
    if (now.mac.toLowerCase() !== orig.mac.toLowerCase()) {
      attempt('mac', () => this.setMac(vf, orig.mac.toLowerCase()));
    }
    if (configured.trust !== undefined && orig.trust !== null && now.trust !== orig.trust) {
      attempt('trust', () => pf.setTrust(vf.pf, vf.index, orig.trust!));
    }
    if (
      (configured.minTxRate !== undefined || configured.maxTxRate !== undefined) &&
      (now.minTxRate !== orig.minTxRate || now.maxTxRate !== orig.maxTxRate)
    ) {
      attempt('rate', () => pf.setRate(vf.pf, vf.index, orig.minTxRate, orig.maxTxRate));
    }
    if (configured.linkState !== undefined && orig.linkState !== null && now.linkState !== orig.linkState) {
      attempt('link_state', () => pf.setLinkState(vf.pf, vf.index, orig.linkState!));
    }
    return errors;
  }

  /**
   * The last word on the admin MAC, after the netdev is back: some VFs report their own MAC to
   * the PF when it changes (igbvf), which the PF then lists as if it were an admin MAC.
   */
  reassertMac(vf: VfRef, mac: string): Error | null {
    // Writing all-zero would also clear the VF's receive filter on igb (it programs the MAC the
    // PF is given): with no admin MAC before, the echo is left as the driver shows it.
    if (mac === ZERO_MAC) return null;
    try {
      const now = this.pf.readVf(vf.pf, vf.index);
      if (now && now.mac.toLowerCase() !== mac) this.pf.setMac(vf.pf, vf.index, mac);
      return null;
    } catch (e) {
      return new Error(`restoring the admin MAC of VF ${vf.index} on ${vf.pf}: ${(e as Error).message}`);
    }
  }

  /** Differences between what was configured and what the PF reports, for CHECK. */
  differences(vf: VfRef, want: Settings): string[] {
    const now = this.read(vf);
    const out: string[] = [];
    const cmp = (key: string, expected: unknown, actual: unknown) => {
      if (expected !== undefined && expected !== actual)
        out.push(`${key} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
    };
    cmp('vlan', want.vlan, now.vlan);
    if (want.vlan !== undefined) {
      cmp('vlanQoS', want.vlanQoS, now.qos);
      cmp('vlanProto', want.vlanProto, now.proto);
    }
    cmp('mac', want.mac, now.mac.toLowerCase());
    cmp('spoofchk', want.spoofchk, now.spoofchk ?? undefined);
    cmp('trust', want.trust, now.trust ?? undefined);
    cmp('link_state', want.linkState, now.linkState ?? undefined);
    cmp('min_tx_rate', want.minTxRate, now.minTxRate);
    cmp('max_tx_rate', want.maxTxRate, now.maxTxRate);
    return out;
  }
}
