// The boundary to the operating system. Domain code (src/sriov, src/placement) sees only these
// interfaces; each has a real implementation in this folder (links and PF settings over iproute2
// in iproute2/) and an in-memory fake for unit tests in test/support/fake-host/.
//
// Everything here is synchronous on purpose: the plugin is a short-lived process that does one
// thing at a time, and synchronous calls keep its start-up and control flow cheap.

/** A network namespace: `null` is the plugin's own (host) namespace, a string is a netns path. */
export type Netns = string | null;

export type VlanProto = '802.1q' | '802.1ad';
export type VfLinkState = 'auto' | 'enable' | 'disable';

/** A failure at the OS boundary. `errno` is the kernel's name for it when known (EOPNOTSUPP, EEXIST, ENOENT, ...). */
export class HostError extends Error {
  constructor(
    message: string,
    readonly errno: string | null = null,
  ) {
    super(message);
    this.name = 'HostError';
  }
}

/**
 * Read-only view of sysfs, rooted at a configurable directory (default `/`; the lab and tests
 * point it elsewhere). Paths are relative to that root, e.g. `sys/bus/pci/devices/0000:03:00.0/sriov_numvfs`.
 */
export interface Sysfs {
  readonly root: string;
  /** File content, trimmed; null when the file does not exist. */
  read(path: string): string | null;
  /** Directory entries sorted by name; null when the directory does not exist. */
  list(path: string): string[] | null;
  /** The basename of a symlink's target (`virtfn0` → `0000:03:10.0`, `driver` → `igbvf`); null when missing. */
  linkName(path: string): string | null;
  exists(path: string): boolean;
}

/** A VF's PF-level settings as the PF reports them (`ip -d link show <pf>`, `vf N ...`). */
export interface VfConfig {
  mac: string;
  vlan: number;
  qos: number;
  proto: VlanProto;
  /** null when the driver does not report it. */
  spoofchk: boolean | null;
  trust: boolean | null;
  linkState: VfLinkState | null;
  minTxRate: number;
  maxTxRate: number;
}

/** A VF's PF-level settings right after it is created (`sriov_numvfs` written), as igb reports them. */
export function freshVfConfig(): VfConfig {
  return {
    mac: '00:00:00:00:00:00',
    vlan: 0,
    qos: 0,
    proto: '802.1q',
    spoofchk: true,
    trust: false,
    linkState: 'auto',
    minTxRate: 0,
    maxTxRate: 0,
  };
}

/**
 * PF-level VF settings (IFLA_VF_*). Each setter changes exactly one attribute and throws a
 * HostError whose errno says why the driver refused (EOPNOTSUPP for igb's link_state, ...).
 */
export interface PfControl {
  /** The VF's settings, or null when the PF has no VF with that index. */
  readVf(pf: string, vf: number): VfConfig | null;
  setVlan(pf: string, vf: number, vlan: number, qos: number, proto: VlanProto): void;
  setMac(pf: string, vf: number, mac: string): void;
  setRate(pf: string, vf: number, minTxRate: number, maxTxRate: number): void;
  setSpoofchk(pf: string, vf: number, on: boolean): void;
  setTrust(pf: string, vf: number, on: boolean): void;
  setLinkState(pf: string, vf: number, state: VfLinkState): void;
}

export interface LinkInfo {
  name: string;
  ifindex: number;
  mac: string;
  mtu: number;
  /** Administratively up (IFF_UP). */
  up: boolean;
  /** IFF_RUNNING / carrier. */
  carrier: boolean;
  altnames: string[];
}

export interface RouteSpec {
  dst: string;
  gw?: string;
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
}

/** Network devices and namespaces. */
export interface Links {
  /** The link, or null when no link of that name is in that namespace. Altnames do not match. */
  get(ns: Netns, name: string): LinkInfo | null;
  /** Does this netns path exist and open as a network namespace? */
  netnsExists(path: string): boolean;
  /** A fresh anonymous-like namespace for the move-and-rename dance; remove it with deleteNetns. */
  createNetns(): string;
  deleteNetns(path: string): void;
  /** Move a link to another namespace (keeps its name). */
  move(ns: Netns, name: string, to: Netns): void;
  rename(ns: Netns, name: string, newName: string): void;
  /**
   * Moves a link to another namespace and names it there, in one request (`ip link set dev X
   * netns NS name Y`), so the old namespace never sees the new name. Not atomic, as the kernel
   * does it: when only the rename fails (EEXIST), the link has moved under its old name.
   */
  moveAndRename(ns: Netns, name: string, to: Netns, newName: string): void;
  deleteAltname(ns: Netns, name: string, altname: string): void;
  setMac(ns: Netns, name: string, mac: string): void;
  setMtu(ns: Netns, name: string, mtu: number): void;
  setUp(ns: Netns, name: string, up: boolean): void;
  /** Adds an address in CIDR form (IPv4 or IPv6). */
  addAddress(ns: Netns, name: string, cidr: string): void;
  /** Adds a route through the link; `gw` null means on-link. */
  addRoute(ns: Netns, name: string, route: RouteSpec): void;
  /** Best-effort sysctl write inside a namespace, e.g. `net/ipv4/conf/eth0/arp_notify`; errors are ignored. */
  sysctl(ns: Netns, key: string, value: string): void;
}

/** Result of running another program (an IPAM plugin). */
export interface ProcessResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** A program start() left running: wait() gives its result (once) when it has ended. */
export interface StartedProcess {
  wait(): ProcessResult;
}

export interface ProcessRunner {
  run(file: string, args: string[], env: Record<string, string | undefined>, stdin: string | Buffer): ProcessResult;
  /**
   * Starts the program and returns while it runs, so this process can do other work meanwhile
   * (the IPAM plugin runs while the kernel moves the VF). Throws as run() does when it cannot be
   * started. A runner that cannot leave a child running runs it to its end here.
   */
  start(file: string, args: string[], env: Record<string, string | undefined>, stdin: string | Buffer): StartedProcess;
}

/**
 * The host's processes, as far as telling a dead owner (of a lock, of an ADD in progress, of a
 * temporary file) from a live one goes.
 */
export interface ProcessTable {
  /** Does a process with this pid run? One this process may not signal still counts. */
  alive(pid: number): boolean;
  /** When it started, as a token that differs for a recycled pid; null when no such process runs. */
  startTime(pid: number): string | null;
}

/** Small JSON state files (cache, ledger), written atomically (temp file + rename), mode 0600. */
export interface StateFiles {
  readonly dir: string;
  /** Parsed JSON, or null when missing. Throws HostError(errno 'EBADMSG') when the file is not valid JSON. */
  readJson<T>(name: string): T | null;
  writeJson(name: string, value: unknown): void;
  /** The file's bytes as text (a damaged file's, to report and to read what is left), or null when missing. */
  readText(name: string): string | null;
  /** Renames `name` to `newName` in the same directory (a damaged record kept aside); false when `name` is gone. */
  rename(name: string, newName: string): boolean;
  remove(name: string): void;
  /** Names in the directory (not recursive), sorted. */
  list(prefix?: string): string[];
  /** Can state be written at all (for STATUS)? */
  writable(): boolean;
  /**
   * Removes the temporary files of writes whose process died before its rename (a SIGKILL
   * mid-write); `alive` says whether a pid still runs. Returns how many went.
   */
  sweepAbandoned(alive: (pid: number) => boolean): number;
}

export interface Lock {
  release(): void;
}

/**
 * Cross-process exclusive locks by name. Node has no flock(2), so a lock is an exclusive-create
 * file that records its owner's pid and is reclaimed when that process is dead.
 */
export interface Locks {
  /** Waits up to timeoutMs; throws HostError(errno 'ETIMEDOUT') when it cannot get the lock. */
  acquire(name: string, timeoutMs: number): Lock;
  /** Non-blocking: the lock, or null when someone else holds it. */
  tryAcquire(name: string): Lock | null;
}

/**
 * Another plugin's state directory as text files at relative paths (`pci/0000:03:02.3`), for
 * sriov-cni's cache and allocation markers. Writes are atomic (temp file + rename), files 0600,
 * directories 0700.
 */
export interface PeerFiles {
  readonly dir: string;
  /** The file's text, or null when it does not exist (or is not a regular file). */
  read(path: string): string | null;
  /**
   * As read, for files that must be readable when present: null only when nothing is there;
   * anything else there (a directory, a symlink, too large, unreadable) throws a HostError naming it.
   */
  readStrict(path: string): string | null;
  /** Renames an entry within the directory (a damaged file kept aside); false when `from` is gone. */
  rename(from: string, to: string): boolean;
  write(path: string, text: string): void;
  remove(path: string): void;
  /** Regular files directly in a directory ('' for the top), sorted; [] when it does not exist. */
  list(path: string): string[];
}

/** sriov-cni's state, so that a node moves between sriov-cni and vfnet with pods running. */
export interface SriovCniPorts {
  /** Its data dir (`/var/lib/cni/sriov`): caches `<containerID>-<ifname>`, markers `pci/<pci>`. */
  files: PeerFiles;
  /** Its per-VF flock(2) locks, `pci/vf_lock/<pci>.lock`, by PCI address. */
  locks: Locks;
  /** The runtime's libcni cache (`/var/lib/cni/results`): the IPAM config sriov-cni's cache lacks. */
  results?: PeerFiles;
}

export interface Clock {
  now(): number;
  sleep(ms: number): void;
}

/** Everything the plugin needs from the host, injected by constructor. */
export interface HostPorts {
  sysfs: Sysfs;
  pf: PfControl;
  links: Links;
  processes: ProcessRunner;
  processTable: ProcessTable;
  state: StateFiles;
  locks: Locks;
  clock: Clock;
  /** sriov-cni's cache, markers and locks; absent where no sriov-cni may have run (unit tests). */
  sriovCni?: SriovCniPorts;
}
