// Network namespaces for the rtnetlink adapter: netlink sockets and /proc/sys files opened inside
// a pod's namespace, and temporary namespaces held by a file descriptor.
//
// A socket or file acts in the namespace it was opened in, so a namespace is entered only to open
// them: setns, open, setns back, all synchronous. Nothing asynchronous may start in between: Bun
// creates its worker threads at the first asynchronous fs call, and a thread born while the main
// thread is inside a pod's namespace stays there. The way back is an fd of the plugin's own
// namespace opened before the first setns (/proc/1/ns/net may be unreadable in a container).
import { statSync } from '../../os/fs.js';
import type { HostError } from '../ports.js';
import { hostError } from './errors.js';
import { CLONE_NEWNET, type Libc, O_CLOEXEC, O_RDONLY } from './libc.js';
import { NetlinkSocket } from './socket.js';

interface PodSocket {
  socket: NetlinkSocket;
  /** Which namespace the path named when the socket was opened (st_dev, st_ino of its nsfs file). */
  dev: number;
  ino: number;
}

export class Namespaces {
  private ownFd: number | null = null;
  private hostSocket: NetlinkSocket | null = null;
  private readonly pods = new Map<string, PodSocket>();
  /** Temporary namespaces: path (/proc/<pid>/fd/<fd>) → the fd that keeps each alive. */
  private readonly temps = new Map<string, number>();
  private broken: HostError | null = null;

  constructor(
    private readonly libc: Libc,
    private readonly pid: number = process.pid,
  ) {}

  /** The netlink socket acting in `ns` (null: the plugin's own namespace). */
  socket(ns: string | null): NetlinkSocket {
    this.usable();
    if (ns === null) {
      // Our own namespace's fd is taken before anything could ever leave it.
      this.own();
      return (this.hostSocket ??= NetlinkSocket.open(this.libc));
    }
    const temp = this.temps.has(ns);
    // A named namespace can be deleted and made again under the same path: a socket opened
    // before would act in the old one, so the path is checked each time (one stat).
    const id = temp ? { dev: 0, ino: 0 } : this.identify(ns);
    const known = this.pods.get(ns);
    if (known && known.dev === id.dev && known.ino === id.ino) return known.socket;
    known?.socket.close();
    const socket = this.visit(ns, () => NetlinkSocket.open(this.libc));
    this.pods.set(ns, { socket, ...id });
    return socket;
  }

  /**
   * Runs `fn` with this thread inside `ns`, and comes back before returning. `fn` must be
   * synchronous and only open descriptors (sockets, /proc/sys files) or write through them.
   */
  visit<T>(ns: string, fn: () => T): T {
    this.usable();
    const own = this.own();
    const fd = this.openNs(ns);
    try {
      try {
        this.libc.setns(fd, CLONE_NEWNET);
      } catch (e) {
        throw hostError(`cannot enter network namespace ${ns}`, e);
      }
      try {
        return fn();
      } finally {
        this.home(own);
      }
    } finally {
      this.libc.close(fd);
    }
  }

  /** An fd of `ns` for IFLA_NET_NS_FD (null: the plugin's own, which the caller must not close). */
  fdOf(ns: string | null): { fd: number; close(): void } {
    this.usable();
    if (ns === null) return { fd: this.own(), close: () => {} };
    const temp = this.temps.get(ns);
    if (temp !== undefined) return { fd: temp, close: () => {} };
    const fd = this.openNs(ns);
    return { fd, close: () => this.libc.close(fd) };
  }

  /**
   * A new namespace that lives as long as its fd: nothing to mount, nothing left behind if the
   * process dies (a physical netdev inside then returns to the host namespace, as with any).
   */
  createTemporary(): string {
    this.usable();
    const own = this.own();
    let fd: number;
    try {
      this.libc.unshare(CLONE_NEWNET);
    } catch (e) {
      throw hostError('cannot create a network namespace', e);
    }
    try {
      fd = this.libc.open('/proc/thread-self/ns/net', O_RDONLY | O_CLOEXEC, 0);
    } finally {
      this.home(own);
    }
    const path = `/proc/${this.pid}/fd/${fd}`;
    this.temps.set(path, fd);
    return path;
  }

  /** Closes a temporary namespace's fd (and its socket); false when `path` is not one of ours. */
  deleteTemporary(path: string): boolean {
    const fd = this.temps.get(path);
    if (fd === undefined) return false;
    this.pods.get(path)?.socket.close();
    this.pods.delete(path);
    this.temps.delete(path);
    this.libc.close(fd);
    return true;
  }

  isTemporary(path: string): boolean {
    return this.temps.has(path);
  }

  /** Does `path` open as a network namespace? nsfs files share one st_dev with our own. */
  exists(path: string): boolean {
    try {
      return statSync(path).dev === statSync(`/proc/${this.pid}/fd/${this.own()}`).dev;
    } catch {
      return false;
    }
  }

  close(): void {
    for (const p of this.pods.values()) p.socket.close();
    this.pods.clear();
    for (const path of [...this.temps.keys()]) this.deleteTemporary(path);
    this.hostSocket?.close();
    this.hostSocket = null;
  }

  private own(): number {
    return (this.ownFd ??= this.libc.open('/proc/thread-self/ns/net', O_RDONLY | O_CLOEXEC, 0));
  }

  private openNs(ns: string): number {
    try {
      return this.libc.open(ns, O_RDONLY | O_CLOEXEC, 0);
    } catch (e) {
      throw hostError(`cannot open network namespace "${ns}"`, e);
    }
  }

  private identify(ns: string): { dev: number; ino: number } {
    try {
      const st = statSync(ns);
      return { dev: st.dev, ino: st.ino };
    } catch (e) {
      throw hostError(`cannot open network namespace "${ns}"`, e);
    }
  }

  private home(own: number): void {
    try {
      this.libc.setns(own, CLONE_NEWNET);
    } catch (e) {
      // Every later call would act in the wrong namespace: refuse them all instead.
      this.broken = hostError("cannot return to the plugin's own network namespace", e);
      throw this.broken;
    }
  }

  private usable(): void {
    if (this.broken) throw this.broken;
  }
}
