// A VF whose attachment record is damaged and of which no other copy survives: its original
// state is lost, so it is put in the state a freshly created VF has (VLAN 0, no admin MAC,
// spoofchk on, trust off, no rate limits, link state auto) and its netdev is brought home. The
// hardware is the witness here: the netdev is taken from the pod only when it is provably this
// VF (same ifindex as the record's remains, or the MAC the PF lists for the VF).

import type { Logger } from '../host/log.js';
import type { Links, PfControl, Sysfs } from '../host/ports.js';
import type { VfNetdevs } from './netdev.js';
import type { RecordHints } from './record-check.js';
import type { VfRef } from './resolve.js';
import { ZERO_MAC } from './vf-settings.js';

/** Linux's limit on interface names (IFNAMSIZ - 1). */
const IFNAME_MAX = 15;

/** The name a VF netdev comes home under when its original name is lost: systemd's `<pf>v<index>`. */
export function defaultVfName(vf: VfRef): string {
  const suffix = `v${vf.index}`;
  return `${vf.pf.slice(0, IFNAME_MAX - suffix.length)}${suffix}`;
}

export class SafeDefaults {
  constructor(
    private readonly pf: PfControl,
    private readonly links: Links,
    private readonly netdevs: VfNetdevs,
    private readonly sysfs: Sysfs,
    private readonly log: Logger,
  ) {}

  /** Resets the VF and brings its netdev home; returns what could not be done (the rest is done regardless). */
  reset(vf: VfRef, hints: RecordHints): string[] {
    const errors: string[] = [];
    const attempt = (what: string, run: () => void) => {
      try {
        run();
      } catch (e) {
        errors.push(`resetting ${what} of VF ${vf.index} on ${vf.pf}: ${(e as Error).message}`);
      }
    };
    const now = this.pf.readVf(vf.pf, vf.index);
    if (!now) return [`PF ${vf.pf} no longer has VF ${vf.index}; nothing to reset`];
    if (now.vlan !== 0 || now.qos !== 0 || now.proto !== '802.1q')
      attempt('vlan', () => this.pf.setVlan(vf.pf, vf.index, 0, 0, '802.1q'));
    if (now.spoofchk === false) attempt('spoofchk', () => this.pf.setSpoofchk(vf.pf, vf.index, true));
    if (now.trust === true) attempt('trust', () => this.pf.setTrust(vf.pf, vf.index, false));
    if (now.minTxRate !== 0 || now.maxTxRate !== 0) attempt('rate', () => this.pf.setRate(vf.pf, vf.index, 0, 0));
    if (now.linkState !== null && now.linkState !== 'auto')
      attempt('link_state', () => this.pf.setLinkState(vf.pf, vf.index, 'auto'));

    if (!vf.dpdk) attempt('the netdev', () => this.bringHome(vf, hints, now.mac.toLowerCase()));
    // The previous container's admin MAC would pin the next one's MAC. (On igb the PF lists the
    // VF's own MAC as well; clearing that is harmless, the VF reports it again.)
    if (now.mac.toLowerCase() !== ZERO_MAC) attempt('the admin MAC', () => this.pf.setMac(vf.pf, vf.index, ZERO_MAC));
    for (const e of errors) this.log.error(e);
    return errors;
  }

  /** Brings the netdev home from the pod when it is provably this VF. */
  private bringHome(vf: VfRef, hints: RecordHints, pfListedMac: string): void {
    const home = hints.netdevName ?? defaultVfName(vf);
    const inHost = this.sysfs.list(`sys/bus/pci/devices/${vf.pci}/net`)?.[0] ?? null;
    if (inHost) {
      const link = this.links.get(null, inHost);
      // The kernel brings a VF home under the pod's name when the pod's namespace dies.
      if (link && inHost === hints.ifname && !this.links.get(null, home)) {
        this.netdevs.returnHome({ name: home, mac: link.mac, mtu: link.mtu, up: false }, [], inHost, inHost);
        this.log.warning(`VF ${vf.pci}: renamed ${inHost} back to ${home} (its original name is lost with its record)`);
      }
      return;
    }
    const ns = hints.netns,
      ifname = hints.ifname;
    if (!ns || !ifname || !this.links.netnsExists(ns)) {
      this.log.warning(`VF ${vf.pci}: its netdev is not in the host and the damaged record does not say where it went`);
      return;
    }
    const link = this.links.get(ns, ifname);
    const provably =
      link && (hints.ifindex !== null ? link.ifindex === hints.ifindex : link.mac.toLowerCase() === pfListedMac);
    if (!link || !provably) {
      this.log.warning(`VF ${vf.pci}: ${ifname} in ${ns} is not provably this VF; left where it is`);
      return;
    }
    this.netdevs.returnHome(
      { name: home, mac: link.mac.toLowerCase(), mtu: link.mtu, up: false, ifindex: link.ifindex },
      [ns],
      ifname,
    );
    this.log.warning(`VF ${vf.pci}: brought ${ifname} home from ${ns} as ${home}`);
  }
}
