// The `sriov` plugin's dispatch, loaded by the entry point (sriov.ts) for every command but VERSION:
// the dispatcher, the logger, and the plugin's composition (sriov-commands.ts: host ports, the
// node's store, the plugin). They are one chunk, imported statically: each chunk Bun loads on
// demand costs more than evaluating its modules with the rest (issue 13: ≈ 1.5 ms per exec for
// two dynamic imports). The composition is still *run* on demand, so a bare exec and a refused
// call build no host and open no ledger. VFNET_TRACE_TIMINGS=1 logs where the process spent its time.

import type { PluginHandlers } from '../cni/skel.js';
import { runPlugin } from '../cni/skel.js';
import { createLogger } from '../host/log.js';
import { PhaseTimings } from '../host/timings.js';
import { fsReady, readFileSync, writeSync } from '../os/fs.js';
import { type ComposedPlugin, composePlugin } from './sriov-commands.js';

const env = process.env;
const timings = env.VFNET_TRACE_TIMINGS ? new PhaseTimings() : null;
timings?.mark('start-up');

/** Synchronous writes: the process may end with _exit(2) (below), which flushes nothing. */
function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text);
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
}
const stderr = (text: string) => writeAll(2, text);
const log = createLogger({ containerID: env.CNI_CONTAINERID, netns: env.CNI_NETNS, ifname: env.CNI_IFNAME }, stderr);

function readStdin(): Buffer {
  try {
    return readFileSync(0);
  } catch {
    // No stdin (VERSION from some callers): the dispatcher decides what that means.
    return Buffer.alloc(0);
  }
}

/**
 * The plugin's handlers, composed when the dispatcher first hands one a request: a bare exec (no
 * CNI_COMMAND) and any call refused before its handler never build a host or open the ledger
 * (which would create the node's database): they change nothing on disk.
 */
function lazyHandlers(): { handlers: PluginHandlers; composed: () => ComposedPlugin | null } {
  let building: Promise<ComposedPlugin> | null = null;
  let done: ComposedPlugin | null = null;
  const get = async () => {
    building ??= Promise.resolve().then(async () => {
      timings?.mark('request');
      const c = await composePlugin(env, log, timings);
      timings?.mark('compose');
      done = c;
      return c;
    });
    return (await building).plugin;
  };
  return {
    handlers: {
      add: async (r) => (await get()).add(r),
      del: async (r) => (await get()).del(r),
      check: async (r) => (await get()).check(r),
      status: async (r) => (await get()).status(r),
      gc: async (r) => (await get()).gc(r),
    },
    composed: () => done,
  };
}

export async function main(): Promise<void> {
  await fsReady;
  const { handlers, composed } = lazyHandlers();
  const code = await runPlugin(handlers, { env, stdin: readStdin(), stdout: (text) => writeAll(1, text), stderr });
  if (timings) {
    timings.mark(`command ${env.CNI_COMMAND ?? ''}`);
    log.info(timings.report());
  }
  // A composed plugin ends the process its own way (see sriov-commands.ts); anything else simply returns.
  const c = composed();
  if (c) c.exit(code);
  else process.exitCode = code;
}
