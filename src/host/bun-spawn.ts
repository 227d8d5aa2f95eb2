// posix_spawn(3) through bun:ffi, for the plugin's one child (the IPAM plugin): the child starts
// and this process goes on at once, and the answer is collected later, synchronously. Bun's own
// Bun.spawn is asynchronous (its pipes and exit are served by the event loop, which does not run
// while the plugin waits in the kernel for a netns move), and Bun.spawnSync cannot return before
// the child ends. With this the IPAM plugin runs on another core while the kernel moves the VF:
// the move waits ~15 ms in rcu_barrier() holding no CPU, the IPAM plugin takes ~4 ms.
//
// The child gets its stdin from a memfd (any size, written before it starts, never a full pipe),
// stdout and stderr through pipes read with poll(2), only fds 0-2 (closefrom), the default signal
// dispositions and an empty signal mask (Bun ignores SIGPIPE; a child must not inherit that).
import { dlopen, FFIType, ptr, read, type Symbols } from 'bun:ffi';
import { LibcError } from './rtnetlink/libc.js';

const { i32, i64, u32, u64, ptr: pointer } = FFIType;

const SYMBOLS = {
  posix_spawn: { args: [pointer, pointer, pointer, pointer, pointer, pointer], returns: i32 },
  posix_spawn_file_actions_init: { args: [pointer], returns: i32 },
  posix_spawn_file_actions_adddup2: { args: [pointer, i32, i32], returns: i32 },
  posix_spawn_file_actions_destroy: { args: [pointer], returns: i32 },
  posix_spawnattr_init: { args: [pointer], returns: i32 },
  posix_spawnattr_setflags: { args: [pointer, i32], returns: i32 },
  posix_spawnattr_setsigmask: { args: [pointer, pointer], returns: i32 },
  posix_spawnattr_setsigdefault: { args: [pointer, pointer], returns: i32 },
  posix_spawnattr_destroy: { args: [pointer], returns: i32 },
  memfd_create: { args: [pointer, u32], returns: i32 },
  pipe2: { args: [pointer, i32], returns: i32 },
  write: { args: [i32, pointer, u64], returns: i64 },
  lseek: { args: [i32, i64, i32], returns: i64 },
  read: { args: [i32, pointer, u64], returns: i64 },
  poll: { args: [pointer, u64, i32], returns: i32 },
  close: { args: [i32], returns: i32 },
  kill: { args: [i32, i32], returns: i32 },
  waitpid: { args: [i32, pointer, i32], returns: i32 },
  sched_getaffinity: { args: [i32, u64, pointer], returns: i32 },
  __errno_location: { args: [], returns: pointer },
};

/** glibc 2.34 and later; without it the child relies on every other fd being close-on-exec. */
const CLOSEFROM = { posix_spawn_file_actions_addclosefrom_np: { args: [pointer, i32], returns: i32 } };

// glibc's values (x86_64 and arm64 share them).
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const MFD_CLOEXEC = 1;
const O_CLOEXEC = 0o2000000;
const POLLIN = 0x1;
const POLLERR = 0x8;
const POLLHUP = 0x10;
const EINTR = 4;
const SIGKILL = 9;
/** Bigger than glibc's posix_spawn_file_actions_t (80 bytes) and posix_spawnattr_t (336). */
const OPAQUE_BYTES = 512;
/** sigset_t: 1024 bits. */
const SIGSET_BYTES = 128;
/** cpu_set_t: 1024 CPUs, as glibc's CPU_SETSIZE. */
const CPU_SET_BYTES = 128;

/** What the child left: its wait status and everything it wrote. */
export interface SpawnOutcome {
  /** The exit code, or null when a signal ended it. */
  exitCode: number | null;
  signal: number | null;
  stdout: Uint8Array;
  stderr: Uint8Array;
  /** It wrote more than the limit and was killed. */
  overflowed: boolean;
}

/** A started child: collect() waits for it once, reading its output as it comes. */
export interface SpawnedChild {
  collect(): SpawnOutcome;
}

const cString = (s: string): Buffer => Buffer.from(`${s}\0`);

/** A NULL-terminated array of pointers to `strings`, which must stay referenced while it is used. */
function pointerArray(strings: Buffer[]): BigUint64Array {
  const out = new BigUint64Array(strings.length + 1);
  strings.forEach((s, i) => {
    out[i] = BigInt(ptr(s));
  });
  return out;
}

export class PosixSpawner {
  private loaded: Symbols | null = null;
  private closefrom: Symbols['x'] | null | undefined;
  /** What native code reads through raw addresses during a spawn, kept reachable for the GC. */
  inFlight: unknown = null;

  constructor(private readonly libc = 'libc.so.6') {}

  private get c(): Symbols {
    return (this.loaded ??= dlopen(this.libc, SYMBOLS).symbols);
  }

  private get addClosefrom(): Symbols['x'] | null {
    if (this.closefrom === undefined) {
      try {
        this.closefrom = dlopen(this.libc, CLOSEFROM).symbols.posix_spawn_file_actions_addclosefrom_np!;
      } catch {
        this.closefrom = null;
      }
    }
    return this.closefrom;
  }

  private errno(): number {
    return read.i32(this.c.__errno_location()!, 0);
  }

  /** A -1 result throws with that call's errno; EINTR is retried. */
  private check(call: string, fn: () => number | bigint): number {
    for (;;) {
      const r = Number(fn());
      if (r >= 0) return r;
      const errno = this.errno();
      if (errno !== EINTR) throw new LibcError(call, errno);
    }
  }

  /** How many CPUs this process may run on (its affinity mask, as nproc counts them); 1 if unknown. */
  cpus(): number {
    const mask = new Uint8Array(CPU_SET_BYTES);
    if (this.c.sched_getaffinity(0, mask.length, mask) !== 0) return 1;
    let n = 0;
    for (let b of mask) for (; b; b &= b - 1) n++;
    return Math.max(n, 1);
  }

  /** posix_spawn_* return the error number itself. */
  private checkReturned(call: string, r: number): void {
    if (r !== 0) throw new LibcError(call, r);
  }

  /**
   * Starts `file` (a path, not searched) with exactly `argv` and `env`. Throws LibcError when it
   * cannot be started (glibc reports the exec's own failure, ENOENT, EACCES, ENOEXEC, here).
   */
  spawn(file: string, argv: string[], env: string[], stdin: Uint8Array, maxOutput: number): SpawnedChild {
    const c = this.c;
    const fds: number[] = [];
    const closeAll = () => {
      for (const fd of fds.splice(0)) c.close(fd);
    };
    const fileActions = new Uint8Array(OPAQUE_BYTES);
    const attr = new Uint8Array(OPAQUE_BYTES);
    let actionsReady = false;
    let attrReady = false;
    try {
      const input = this.check('memfd_create', () => c.memfd_create(cString('vfnet-stdin'), MFD_CLOEXEC));
      fds.push(input);
      for (let off = 0; off < stdin.length; ) {
        const chunk = stdin.subarray(off);
        off += this.check('write', () => c.write(input, chunk, chunk.length));
      }
      this.check('lseek', () => c.lseek(input, 0, 0));
      const pipes = new Int32Array(4);
      this.check('pipe2', () => c.pipe2(pipes, O_CLOEXEC));
      fds.push(pipes[0]!, pipes[1]!);
      this.check('pipe2', () => c.pipe2(pipes.subarray(2), O_CLOEXEC));
      fds.push(pipes[2]!, pipes[3]!);
      const [outRead, outWrite, errRead, errWrite] = [pipes[0]!, pipes[1]!, pipes[2]!, pipes[3]!];

      this.checkReturned('posix_spawn_file_actions_init', c.posix_spawn_file_actions_init(fileActions));
      actionsReady = true;
      // dup2 clears FD_CLOEXEC on the copy; every other fd of this process is closed in the child
      // (the ledger, lock files, netlink sockets are not the IPAM plugin's to hold).
      for (const [from, to] of [
        [input, 0],
        [outWrite, 1],
        [errWrite, 2],
      ] as const)
        this.checkReturned(
          'posix_spawn_file_actions_adddup2',
          c.posix_spawn_file_actions_adddup2(fileActions, from, to),
        );
      const closefrom = this.addClosefrom;
      if (closefrom) this.checkReturned('posix_spawn_file_actions_addclosefrom_np', closefrom(fileActions, 3));

      this.checkReturned('posix_spawnattr_init', c.posix_spawnattr_init(attr));
      attrReady = true;
      // Every signal back to its default, glibc's own two (32, 33) included: sigfillset leaves
      // those out, and glibc then hands them to the child ignored.
      const all = new Uint8Array(SIGSET_BYTES).fill(0xff);
      const none = new Uint8Array(SIGSET_BYTES);
      this.checkReturned('posix_spawnattr_setsigdefault', c.posix_spawnattr_setsigdefault(attr, all));
      this.checkReturned('posix_spawnattr_setsigmask', c.posix_spawnattr_setsigmask(attr, none));
      this.checkReturned(
        'posix_spawnattr_setflags',
        c.posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK),
      );

      const path = cString(file);
      const argStrings = argv.map(cString);
      const envStrings = env.map(cString);
      const pid = new Int32Array(1);
      const argvArray = pointerArray(argStrings);
      const envArray = pointerArray(envStrings);
      // The arrays hold only the strings' addresses: the strings stay referenced through the call.
      this.inFlight = [path, argStrings, envStrings];
      try {
        this.checkReturned(file, c.posix_spawn(pid, path, fileActions, attr, argvArray, envArray));
      } finally {
        this.inFlight = null;
      }
      // The child has its copies: only the read ends stay here.
      for (const fd of [input, outWrite, errWrite]) {
        c.close(fd);
        fds.splice(fds.indexOf(fd), 1);
      }
      const child = pid[0]!;
      return { collect: () => this.collect(child, outRead, errRead, maxOutput) };
    } catch (e) {
      closeAll();
      throw e;
    } finally {
      if (actionsReady) c.posix_spawn_file_actions_destroy(fileActions);
      if (attrReady) c.posix_spawnattr_destroy(attr);
    }
  }

  /** Reads both pipes to their end (poll: neither can fill while the other is awaited), then reaps the child. */
  private collect(pid: number, outFd: number, errFd: number, maxOutput: number): SpawnOutcome {
    const c = this.c;
    const chunks: Record<number, Buffer[]> = { [outFd]: [], [errFd]: [] };
    const open = new Set([outFd, errFd]);
    const pollfds = new Uint8Array(16);
    const view = new DataView(pollfds.buffer);
    const buf = Buffer.alloc(64 * 1024);
    let total = 0;
    let overflowed = false;
    try {
      while (open.size > 0) {
        const list = [...open];
        list.forEach((fd, i) => {
          view.setInt32(i * 8, fd, true);
          view.setInt16(i * 8 + 4, POLLIN, true);
          view.setInt16(i * 8 + 6, 0, true);
        });
        this.check('poll', () => c.poll(pollfds, list.length, -1));
        list.forEach((fd, i) => {
          if ((view.getInt16(i * 8 + 6, true) & (POLLIN | POLLHUP | POLLERR)) === 0) return;
          const n = this.check('read', () => c.read(fd, buf, buf.length));
          if (n === 0) {
            open.delete(fd);
            return;
          }
          total += n;
          chunks[fd]!.push(Buffer.from(buf.subarray(0, n)));
        });
        if (total > maxOutput) {
          // A runaway child: stop it rather than hold all it writes.
          overflowed = true;
          c.kill(pid, SIGKILL);
          break;
        }
      }
    } finally {
      c.close(outFd);
      c.close(errFd);
    }
    const status = new Int32Array(1);
    this.check('waitpid', () => c.waitpid(pid, status, 0));
    const s = status[0]!;
    const termsig = s & 0x7f;
    return {
      exitCode: termsig === 0 ? (s >> 8) & 0xff : null,
      signal: termsig === 0 ? null : termsig,
      stdout: Buffer.concat(chunks[outFd]!),
      stderr: Buffer.concat(chunks[errFd]!),
      overflowed,
    };
  }
}
