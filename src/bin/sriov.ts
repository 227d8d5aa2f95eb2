// The `sriov` CNI plugin executable: the entry point. It keeps VERSION (which podman runs before
// every ADD and DEL) to the dispatcher alone; every other command loads the plugin's composition
// (sriov-commands.ts: host ports, the node's store, the plugin) on demand, so VERSION evaluates
// none of it. VFNET_TRACE_TIMINGS=1 logs where the process spent its time.
import { readFileSync, writeSync } from 'node:fs';
import type { PluginHandlers } from '../cni/skel.js';
import { runPlugin } from '../cni/skel.js';
import { createLogger } from '../host/log.js';
import { PhaseTimings } from '../host/timings.js';

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

async function main(): Promise<void> {
  let handlers = {} as PluginHandlers;
  let exit = (code: number): void => {
    process.exitCode = code;
  };
  // VERSION needs no host at all: don't build one.
  if (env.CNI_COMMAND !== 'VERSION') {
    const { composePlugin } = await import('./sriov-commands.js');
    timings?.mark('modules');
    const composed = await composePlugin(env, log, timings);
    handlers = composed.plugin;
    exit = composed.exit;
    timings?.mark('compose');
  }
  const code = await runPlugin(handlers, { env, stdin: readStdin(), stdout: (text) => writeAll(1, text), stderr });
  if (timings) {
    timings.mark(`command ${env.CNI_COMMAND ?? ''}`);
    log.info(timings.report());
  }
  exit(code);
}
// No top-level await: the executable is compiled to bytecode, which refuses it.
void main();
