// The `sriov` CNI plugin executable's entry point. Podman runs VERSION before every ADD and DEL, so
// VERSION is answered here from the version list alone, before anything else is loaded or
// evaluated: no logger, no dispatcher, no host ports. Every other command (and a bare exec) goes to
// sriov-main.ts, the dispatcher, which Bun keeps as a chunk of its own that VERSION never loads.
import { readFileSync, writeSync } from 'node:fs';
import { isVersionCommand, versionAnswer } from '../cni/version-answer.js';

function readStdin(): Uint8Array {
  try {
    return readFileSync(0);
  } catch {
    // No stdin (VERSION from some callers): the answer is then the newest version.
    return new Uint8Array(0);
  }
}

function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text);
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
}

const env = process.env;
if (isVersionCommand(env.CNI_COMMAND)) {
  writeAll(1, versionAnswer(readStdin()));
  // The same line shape as the dispatcher's trace (sriov-main.ts), for the benchmark's part (d).
  if (env.VFNET_TRACE_TIMINGS) writeAll(2, `timings (ms) total=${performance.now().toFixed(2)} start-up=0.00 | \n`);
} else {
  // No top-level await: the executable is compiled to bytecode, which refuses it.
  void import('./sriov-main.js').then((m) => m.main());
}
