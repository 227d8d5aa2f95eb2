// The agent's sweeper: one sweep at start (a reboot leaves records of the previous boot, settled
// before anything else), then one per interval. A sweep that fails is reported and retried at the
// next interval; it never stops the agent.
import { createLogger } from '../host/log.js';
import { openSweeper, renderSweep, type SweepOptions } from './sweep.js';

export interface Sweeping {
  stop(): void;
}

export async function startSweeping(
  o: SweepOptions,
  intervalMs: number | null,
  say: (line: string) => void,
): Promise<Sweeping> {
  const log = createLogger({}, (l) => process.stderr.write(l));
  let sweeper: Awaited<ReturnType<typeof openSweeper>> | null = null;
  let running = false;
  const once = async () => {
    if (running) return;
    running = true;
    try {
      sweeper ??= await openSweeper(o, log);
      const report = await sweeper.sweep();
      if (report.swept.length || report.deferred.length) for (const l of renderSweep(report)) say(`sweep: ${l}`);
    } catch (e) {
      say(`sweep: failed: ${(e as Error).message}`);
    } finally {
      running = false;
    }
  };
  await once();
  const timer = intervalMs ? setInterval(() => void once(), intervalMs) : null;
  timer?.unref();
  return {
    stop: () => {
      if (timer) clearInterval(timer);
      sweeper?.close();
    },
  };
}
