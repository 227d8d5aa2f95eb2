// Checkpoints of the service's SQLite file, moved off the event loop. SQLite's automatic
// checkpoint runs inside the COMMIT that crosses ~1000 WAL pages and syncs the WAL and the
// database there: on the event loop, under better-sqlite3. Here the main connection has
// `wal_autocheckpoint=0`, and a worker thread with its own connection checkpoints (PASSIVE) once
// per interval when something was committed, in two steps: first while writers go on (the bulk
// of the copy), then with the main connection's queue held (the few frames committed meanwhile),
// so the checkpoint completes and the WAL restarts from its start (the worker makes that first
// write of the new cycle, see checkpoint-worker.ts); without that step continuous writes would
// never let a concurrent checkpoint catch up, and the WAL would grow without bound. The held
// step blocks this connection's statements (not the event loop) for one short checkpoint. If the worker dies, SQLite's automatic checkpoint is turned back on.
import { Worker } from 'node:worker_threads';
import type { Checkpointer, CheckpointHooks } from './sqlite-db.js';

interface Answer {
  id: number;
  ok: boolean;
  error?: string;
  log?: number;
  checkpointed?: number;
  restarted?: boolean;
}

export class WorkerCheckpointer implements Checkpointer {
  private worker: Worker | null = null;
  private ready: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private readonly pending = new Map<number, { resolve: (a: Answer) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private dirty = false;
  private running: Promise<void> | null = null;
  private stopped = false;
  /** Completed checkpoints and failed attempts (read by tests and benchmarks). */
  checkpoints = 0;
  failures = 0;
  /** WAL cycles begun by the worker (their header synced there, not on the event loop). */
  restarts = 0;
  /**
   * Unheld steps that already copied the whole WAL. A write of the service that comes before the
   * held step then begins the next WAL cycle itself, and SQLite syncs its header on the event
   * loop: one sync, rarely (the race is left in; holding the queue for the whole copy would stall
   * every request for the copy's length instead).
   */
  unheldCompletes = 0;

  constructor(
    private readonly path: string,
    private readonly intervalMs = 1000,
  ) {}

  start(hooks: CheckpointHooks): void {
    const worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), { workerData: { path: this.path } });
    this.worker = worker;
    this.ready = new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.on('message', (m: Answer | 'ready') => {
        if (m === 'ready') return resolve();
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.ok) p?.resolve(m);
        else p?.reject(new Error(m.error));
      });
    });
    this.ready.catch(() => undefined);
    const fail = (e: Error) => {
      if (this.stopped) return;
      this.stop();
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
      hooks.fallback();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`checkpoint worker exited (${code})`)));
    // After the listeners: adding a 'message' listener refs the worker's port again, and an
    // unclosed store must not keep a process (a CLI command, a test) alive.
    worker.unref();
    this.timer = setInterval(() => {
      if (!this.running && this.dirty) this.running = this.tick(hooks).finally(() => (this.running = null));
    }, this.intervalMs);
    this.timer.unref();
  }

  noteCommit(): void {
    this.dirty = true;
  }

  private ask(restart = false): Promise<Answer> {
    const worker = this.worker;
    if (!worker || this.stopped) return Promise.reject(new Error('checkpointer stopped'));
    const id = this.nextId++;
    // Referenced while a question is out: the held step keeps writers waiting for the answer, and
    // a process whose only pending work that is must not exit under them.
    worker.ref();
    return new Promise<Answer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, restart });
    }).finally(() => {
      if (this.pending.size === 0) worker.unref();
    });
  }

  private async tick(hooks: CheckpointHooks): Promise<void> {
    this.dirty = false;
    try {
      await this.ready;
      const first = await this.ask();
      if ((first.log ?? 0) > 0 && first.log === first.checkpointed) this.unheldCompletes++;
      const held = await hooks.hold(() => this.ask(true));
      this.checkpoints++;
      if (held.restarted) this.restarts++;
    } catch {
      // The WAL keeps every synced commit until a later checkpoint copies it: nothing is lost.
      this.failures++;
    }
  }

  private stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  async close(): Promise<void> {
    await this.running;
    const worker = this.worker;
    if (!worker || this.stopped) return;
    this.stop();
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('close');
    const timeout = setTimeout(() => void worker.terminate(), 5000);
    await exited;
    clearTimeout(timeout);
  }
}
