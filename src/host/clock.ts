import type { Clock } from './ports.js';

/**
 * Blocks the thread without spinning. Atomics.wait on a private buffer is the one synchronous
 * sleep that works in both Node and Bun; nobody ever notifies it, so it always runs to the timeout.
 */
export function sleepSync(ms: number): void {
  if (ms <= 0) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  sleep(ms: number): void {
    sleepSync(ms);
  }
}
