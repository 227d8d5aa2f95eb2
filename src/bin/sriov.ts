// The `sriov` CNI plugin executable's entry point. Podman runs VERSION before every ADD and DEL, so
// VERSION is answered here from the version list alone, before anything else is loaded or
// evaluated: no logger, no dispatcher, no host ports, not even node:fs (whose evaluation alone
// costs Bun about 1 ms of a 5 ms start; Bun's own stdin and stdout need none). Every other
// command (and a bare exec) goes to sriov-main.ts, the dispatcher, which Bun keeps as a chunk of
// its own that VERSION never loads.
import { isVersionCommand, versionAnswer } from '../cni/version-answer.js';

/** The part of Bun's runtime API used here (the project does not depend on bun-types). */
interface BunIo {
  stdin: { text(): Promise<string> };
  stdout: unknown;
  stderr: unknown;
  write(destination: unknown, data: string): Promise<number>;
}

const env = process.env;
const reached = performance.now();
if (isVersionCommand(env.CNI_COMMAND)) {
  const bun = (globalThis as unknown as { Bun: BunIo }).Bun;
  // No stdin (closed, or unreadable): the answer is then the newest version.
  void bun.stdin
    .text()
    .catch(() => '')
    .then(async (stdin) => {
      await bun.write(bun.stdout, versionAnswer(stdin));
      // The same line shape as the dispatcher's trace (sriov-main.ts), for the benchmark's part (d).
      if (env.VFNET_TRACE_TIMINGS) {
        const total = performance.now();
        await bun.write(bun.stderr, `timings (ms) total=${total.toFixed(2)} start-up=${reached.toFixed(2)} | \n`);
      }
    });
} else {
  // No top-level await: the executable is compiled to bytecode, which refuses it.
  void import('./sriov-main.js').then((m) => m.main());
}
