import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Three FIFOs for one coprocess (stdin, stdout, stderr), as paths that open them. */
export interface FifoTriple {
  paths: [string, string, string];
  /** Drops the pool's hold on the FIFOs, once the coprocess has opened its own ends. */
  release(): void;
}

/**
 * FIFOs for coprocesses. Node has no mkfifo(2), so they are made a few at a time by one `mkfifo`
 * process, each opened read-write at once (which never blocks) to keep it alive, and then unlinked
 * with their directory: nothing is left on disk, even if this process is killed. A coprocess opens
 * its ends through /proc/self/fd/N, which for a FIFO behaves like opening the FIFO itself.
 */
export class FifoPool {
  private spare: number[] = [];

  constructor(private readonly triplesPerBatch = 4) {}

  take(): FifoTriple {
    if (this.spare.length < 3) this.refill();
    const fds = this.spare.splice(0, 3) as [number, number, number];
    let held = true;
    return {
      paths: fds.map((fd) => `/proc/self/fd/${fd}`) as [string, string, string],
      release: () => {
        if (!held) return;
        held = false;
        for (const fd of fds) closeQuietly(fd);
      },
    };
  }

  /** Closes the spare FIFOs. */
  dispose(): void {
    for (const fd of this.spare.splice(0)) closeQuietly(fd);
  }

  private refill(): void {
    const dir = mkdtempSync(join(tmpdir(), 'vfnet-co-'));
    try {
      const paths: string[] = [];
      for (let i = 0; i < this.triplesPerBatch * 3; i++) paths.push(join(dir, `f${i}`));
      const r = spawnSync('mkfifo', ['-m', '600', ...paths], { stdio: ['ignore', 'ignore', 'pipe'] });
      if (r.status !== 0)
        throw new Error(`mkfifo failed: ${r.stderr?.toString().trim() || r.error?.message || `status ${r.status}`}`);
      for (const p of paths) this.spare.push(openSync(p, constants.O_RDWR));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

/**
 * A child process driven synchronously through FIFOs: blocking writes to its stdin, blocking line
 * reads from its stdout, non-blocking reads of what it has written to stderr so far.
 *
 * The runtime's own stdio pipes are non-blocking sockets that only its event loop reads, which a
 * synchronous caller never lets run; FIFOs opened by us are ordinary blocking descriptors, in Node
 * and in Bun alike. The child is unref'd: it never keeps the caller alive, and it gets end of file
 * on stdin (and exits) when the caller closes it or exits.
 */
export class Coprocess {
  private readonly child: ChildProcess;
  private readonly input: number;
  private readonly output: number;
  private readonly errors: number;
  private pending = '';
  private open = true;
  private readonly buffer = Buffer.allocUnsafe(65536);

  constructor(file: string, args: string[], fifos: FifoTriple, env: Record<string, string>) {
    const [inPath, outPath, errPath] = fifos.paths;
    // While the pool holds each FIFO open read-write, no open below waits for the other side.
    const opened: number[] = [];
    const o = (path: string, flags: number): number => {
      const fd = openSync(path, flags);
      opened.push(fd);
      return fd;
    };
    try {
      // Our stdin end is read-write: writes never fail with EPIPE if the child has died (its death
      // shows as end of file on stdout instead), whatever the runtime does with SIGPIPE.
      const input = o(inPath, constants.O_RDWR);
      const childIn = o(inPath, constants.O_RDONLY);
      const childOut = o(outPath, constants.O_WRONLY);
      const output = o(outPath, constants.O_RDONLY);
      const errors = o(errPath, constants.O_RDONLY | constants.O_NONBLOCK);
      const childErr = o(errPath, constants.O_WRONLY);
      this.child = spawn(file, args, { stdio: [childIn, childOut, childErr], env });
      this.child.unref();
      this.child.on('error', () => this.close());
      // The child has its copies. Ours, and the pool's, would keep its stdin from reaching end of
      // file and our reads from ever seeing it exit.
      for (const fd of [childIn, childOut, childErr]) closeSync(fd);
      this.input = input;
      this.output = output;
      this.errors = errors;
    } catch (err) {
      for (const fd of opened) closeQuietly(fd);
      throw err;
    } finally {
      fifos.release();
    }
  }

  get alive(): boolean {
    return this.open;
  }

  write(text: string): void {
    writeSync(this.input, text);
  }

  /** The next line of stdout, without its newline; null when the child has exited. */
  readLine(): string | null {
    for (;;) {
      const nl = this.pending.indexOf('\n');
      if (nl >= 0) {
        const line = this.pending.slice(0, nl);
        this.pending = this.pending.slice(nl + 1);
        return line;
      }
      const n = readSync(this.output, this.buffer, 0, this.buffer.length, null);
      if (n === 0) return null;
      this.pending += this.buffer.toString('utf8', 0, n);
    }
  }

  /** Whatever the child has written to stderr so far. */
  readErrors(): string {
    let text = '';
    for (;;) {
      let n: number;
      try {
        n = readSync(this.errors, this.buffer, 0, this.buffer.length, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return text;
        throw err;
      }
      if (n === 0) return text;
      text += this.buffer.toString('utf8', 0, n);
    }
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    for (const fd of [this.input, this.output, this.errors]) closeQuietly(fd);
  }
}

export const CHILD_ENV = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' };
