// Moving a VF netdev into a container and back. Renames happen inside a temporary namespace, so
// the host never sees an intermediate name (udev and NetworkManager race on those: sriov-cni
// #321/#349) and a pod-side name can never clash with a host device (#40).
import { CniError, type CniResult } from '../cni/index.js';
import type { Clock, LinkInfo, Links, Netns } from '../host/ports.js';
import { SriovCode } from './errors.js';
import type { Journal } from './journal.js';
import type { RetryPolicy } from './vf-settings.js';

export interface NetdevOriginal {
  name: string;
  mac: string;
  mtu: number;
  up: boolean;
  /** Kept across namespace moves; tells the VF apart from another link that took its name. */
  ifindex?: number;
}

function failed(what: string, e: unknown): CniError {
  return new CniError(SriovCode.NetdevFailed, what, (e as Error).message);
}

export class VfNetdevs {
  constructor(
    private readonly links: Links,
    private readonly clock: Clock,
    private readonly retry: RetryPolicy,
  ) {}

  inspect(ns: Netns, name: string): LinkInfo | null {
    return this.links.get(ns, name);
  }

  /** Removes altnames that would block a later rename or lookup (kernel 6.x keeps old names: #292, #445). */
  private dropAltnames(ns: Netns, name: string, stale: readonly string[]): void {
    const link = this.links.get(ns, name);
    for (const alt of link?.altnames ?? []) {
      if (stale.includes(alt)) this.links.deleteAltname(ns, name, alt);
    }
  }

  private setMacVerified(ns: Netns, name: string, mac: string): void {
    this.links.setMac(ns, name, mac);
    for (let i = 1; i < this.retry.macAttempts; i++) {
      if (this.links.get(ns, name)?.mac.toLowerCase() === mac) return;
      this.clock.sleep(this.retry.macDelayMs);
    }
    const now = this.links.get(ns, name)?.mac;
    if (now?.toLowerCase() !== mac)
      throw new Error(`${name} reports MAC ${now}, not ${mac}, after ${this.retry.macAttempts} checks`);
  }

  /**
   * Moves `orig.name` from the host into `podNs` as `ifname`, sets its MAC, brings it up and
   * configures the addresses and routes `ipam` gives (if any). `ipam` is asked only once the
   * link is in the pod, so an IPAM plugin started before can run meanwhile; what it throws is
   * passed on as it is. Each change is journalled.
   */
  attach(
    orig: NetdevOriginal,
    podNs: string,
    ifname: string,
    mac: string | undefined,
    ipam: () => CniResult | null,
    journal: Journal,
  ): LinkInfo {
    const { links } = this;
    const altnames = links.get(null, orig.name)?.altnames ?? [];
    if (altnames.length === 0) {
      // One request moves and names it: the host never sees the pod's name, the pod never
      // needs the host's. The way home is recorded first: a failed rename leaves it moved.
      journal.record(`return ${orig.name} to the host`, () => {
        if (!this.returnHome(orig, [podNs], ifname)) throw new Error(`${orig.name} is nowhere to be found`);
      });
      try {
        links.moveAndRename(null, orig.name, podNs, ifname);
      } catch (e) {
        throw failed(`cannot move ${orig.name} into ${podNs} as ${ifname}`, e);
      }
    } else {
      this.attachThroughTemporaryNamespace(orig, podNs, ifname, altnames, journal);
    }
    try {
      links.sysctl(podNs, `net/ipv4/conf/${ifname}/arp_notify`, '1');
      links.sysctl(podNs, `net/ipv6/conf/${ifname}/ndisc_notify`, '1');
      if (mac !== undefined) this.setMacVerified(podNs, ifname, mac);
      links.sysctl(podNs, `net/ipv6/conf/${ifname}/optimistic_dad`, '1');
      links.setUp(podNs, ifname, true);
    } catch (e) {
      throw failed(`cannot configure ${ifname} in ${podNs}`, e);
    }
    const addresses = ipam();
    if (addresses) {
      try {
        for (const ip of addresses.ips) links.addAddress(podNs, ifname, ip.address);
        for (const route of addresses.routes) links.addRoute(podNs, ifname, route);
      } catch (e) {
        throw failed(`cannot configure the IPAM addresses and routes on ${ifname}`, e);
      }
    }
    const link = links.get(podNs, ifname);
    if (!link) throw failed(`${ifname} vanished from ${podNs}`, new Error('not found'));
    return link;
  }

  /**
   * With altnames (udev's, or a kernel that keeps old names), the rename must happen where they
   * can be cleaned first: a fresh namespace, so they can neither clash in the pod nor linger.
   */
  private attachThroughTemporaryNamespace(
    orig: NetdevOriginal,
    podNs: string,
    ifname: string,
    altnames: readonly string[],
    journal: Journal,
  ): void {
    const { links } = this;
    let tmp: string;
    try {
      tmp = links.createNetns();
    } catch (e) {
      throw failed('cannot create a temporary network namespace', e);
    }
    // Recorded first so it runs last: the netdev leaves the temporary namespace before it goes
    // (a physical netdev in a dying namespace would land in the host under whatever name it has).
    journal.record('delete the temporary namespace', () => links.deleteNetns(tmp));
    try {
      links.move(null, orig.name, tmp);
    } catch (e) {
      throw failed(`cannot move ${orig.name} out of the host namespace`, e);
    }
    journal.record(`return ${orig.name} to the host`, () => {
      if (!this.returnHome(orig, [tmp, podNs], ifname)) throw new Error(`${orig.name} is nowhere to be found`);
    });
    try {
      for (const alt of altnames) if (alt === ifname || alt === orig.name) links.deleteAltname(tmp, orig.name, alt);
      if (ifname !== orig.name) links.rename(tmp, orig.name, ifname);
    } catch (e) {
      throw failed(`cannot rename ${orig.name} to ${ifname}`, e);
    }
    try {
      links.move(tmp, ifname, podNs);
    } catch (e) {
      throw failed(`cannot move ${ifname} into ${podNs}`, e);
    }
    try {
      links.deleteNetns(tmp);
    } catch {
      // A leftover empty namespace is harmless (named vfnet-tmp-*).
    }
  }

  /**
   * Brings the VF netdev home under its original name, MAC and MTU, from wherever it is: one of
   * `places` (temporary or pod namespace) under `podName` or its original name, or already in
   * the host under another name (the kernel returns physical netdevs to the host when their
   * namespace dies, keeping the pod name, or `devN` on a clash). Returns false when it cannot be
   * found anywhere (a VF whose netdev is gone for good, e.g. numvfs changed).
   */
  returnHome(orig: NetdevOriginal, places: readonly Netns[], podName: string, hostNameNow?: string | null): boolean {
    const { links } = this;
    for (const ns of places) {
      if (ns === null || !links.netnsExists(ns)) continue;
      for (const name of [podName, orig.name]) {
        const link = links.get(ns, name);
        if (!link || (orig.ifindex !== undefined && link.ifindex !== orig.ifindex)) continue;
        this.bringBack(ns, link, orig);
        return true;
      }
    }
    const inHost = hostNameNow ?? (links.get(null, orig.name) ? orig.name : null);
    if (!inHost) return false;
    this.restoreInHost(inHost, orig, podName);
    return true;
  }

  /** From a namespace to the host: through a fresh temporary namespace, renamed there. */
  private bringBack(ns: string, link: LinkInfo, orig: NetdevOriginal): void {
    const { links } = this;
    const { name } = link;
    links.setUp(ns, name, false);
    // `link` was read just before; setting it down changes neither its name nor its altnames.
    if (link.altnames.length === 0 && !links.get(null, orig.name)) {
      links.moveAndRename(ns, name, null, orig.name);
      this.resetIdentity(null, orig);
      if (orig.up) links.setUp(null, orig.name, true);
      return;
    }
    const tmp = links.createNetns();
    try {
      links.move(ns, name, tmp);
      if (name !== orig.name) links.rename(tmp, name, orig.name);
      this.dropAltnames(tmp, orig.name, [name]);
      this.resetIdentity(tmp, orig);
      links.move(tmp, orig.name, null);
    } finally {
      try {
        links.deleteNetns(tmp);
      } catch {
        // see attach()
      }
    }
    if (orig.up) links.setUp(null, orig.name, true);
  }

  private restoreInHost(name: string, orig: NetdevOriginal, podName: string): void {
    const { links } = this;
    links.setUp(null, name, false);
    if (name !== orig.name) links.rename(null, name, orig.name);
    this.dropAltnames(null, orig.name, [name, podName]);
    this.resetIdentity(null, orig);
    if (orig.up) links.setUp(null, orig.name, true);
  }

  private resetIdentity(ns: Netns, orig: NetdevOriginal): void {
    const link = this.links.get(ns, orig.name);
    if (link && link.mtu !== orig.mtu) this.links.setMtu(ns, orig.name, orig.mtu);
    if (link && link.mac.toLowerCase() !== orig.mac.toLowerCase()) {
      try {
        this.setMacVerified(ns, orig.name, orig.mac.toLowerCase());
      } catch {
        // Drivers that enforce the PF's admin MAC (igb) refuse this until the admin MAC is
        // restored; settleHostMac() tries again once the PF-level state is back.
      }
    }
  }

  /** Best effort, after the PF-level state is restored: the host netdev's original MAC. */
  settleHostMac(orig: NetdevOriginal): void {
    const link = this.links.get(null, orig.name);
    if (link && link.mac.toLowerCase() !== orig.mac.toLowerCase())
      this.setMacVerified(null, orig.name, orig.mac.toLowerCase());
  }
}
