// `vfnet agent`: discover, sync, wait, again. Each pass re-reads the hardware, so a numvfs change,
// a new PF or a vanished one reaches Placement within one interval. A pass that fails (service
// down, discovery error) is reported and the next one tries again; nothing is cached between
// passes, so the service's state is always re-read before it is written.
import type { Discovery } from './discover.js';
import type { PlacementApi } from './placement-client.js';
import { type SyncReport, syncExitCode, TreeSync } from './sync.js';

export interface PassReport {
  pass: number;
  at: string;
  /** Null when discovery itself failed (the sync report says why). */
  discovery: Discovery | null;
  sync: SyncReport;
  exitCode: 0 | 1 | 2;
}

export interface AgentLoopOptions {
  discover: () => Discovery;
  api: PlacementApi;
  /** Stop after the first pass. */
  once: boolean;
  intervalMs: number;
  onPass: (r: PassReport) => void;
  /** Injected so tests need no real time; resolves early when `signal` aborts. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  now?: () => Date;
  /** Aborting ends the loop after the current pass. */
  signal: AbortSignal;
}

export async function runPass(
  discover: () => Discovery,
  api: PlacementApi,
  pass: number,
  now: () => Date = () => new Date(),
): Promise<PassReport> {
  const at = now().toISOString();
  let discovery: Discovery;
  try {
    discovery = discover();
  } catch (e) {
    const sync: SyncReport = {
      changes: [],
      problems: [],
      aborted: true,
      error: `discovery failed: ${(e as Error).message}`,
    };
    return { pass, at, discovery: null, sync, exitCode: 1 };
  }
  const sync = await TreeSync.run(api, discovery);
  return { pass, at, discovery, sync, exitCode: syncExitCode(sync) };
}

/**
 * Runs passes until `once` or the signal. With `once`, the exit code of that pass; stopped by the
 * signal, 0: a requested shutdown is a clean one (each pass has already reported its problems).
 */
export async function runAgent(o: AgentLoopOptions): Promise<0 | 1 | 2> {
  for (let pass = 1; ; pass++) {
    const r = await runPass(o.discover, o.api, pass, o.now);
    o.onPass(r);
    if (o.once) return r.exitCode;
    if (o.signal.aborted) return 0;
    await o.sleep(o.intervalMs, o.signal);
    if (o.signal.aborted) return 0;
  }
}

/** A real sleep that an AbortSignal cuts short. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
