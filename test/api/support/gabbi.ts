// Runs shared/conformance/gabbi_live.py one YAML file at a time and reads its gabbi-run log.
// One file per invocation, so a server that fails to start for one file costs that file only
// (gabbi_live.py aborts the whole run when its start command fails).
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { run } from './processes.js';

export interface FileResult {
  file: string;
  ran: number;
  passed: number;
  /** failed or errored test name -> first line of gabbi's message */
  failing: Record<string, string>;
  /** set when the file could not run at all (start command failed, fixture failed, ...) */
  broken?: string;
}

export interface GabbiRunOptions {
  conformance: string;
  startCmd: string;
  logdir: string;
  env: NodeJS.ProcessEnv;
}

/** The test name without gabbi-run's suite prefix, e.g. `allocations-1-12_put_empty_allocations`. */
function shortName(name: string): string {
  return name.replace(/^gabbi-runner\./, '');
}

/** Parses a gabbi-run log: per-test markers (✓ pass, ✗ fail, E error, - skip) and FAIL/ERROR sections. */
export function parseGabbiLog(file: string, text: string): FileResult {
  const ran = Number(/^Ran (\d+) tests?/m.exec(text)?.[1] ?? 0);
  const passed = (text.match(/^\.\.\. (?:\x1b\[[0-9;]*m)?✓ /gm) ?? []).length;
  const failing: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^(?:FAIL|ERROR): (.+)$/.exec(lines[i]!);
    if (!m) continue;
    const reason = (lines[i + 1] ?? '').startsWith('\t') ? lines[i + 1]!.trim() : '';
    failing[shortName(m[1]!.trim())] = reason.length > 240 ? `${reason.slice(0, 237)}...` : reason;
  }
  // A skipped test (gabbi skips the rest of a file after some failures) passed nothing.
  for (const m of text.matchAll(/^\.\.\. (?:\x1b\[[0-9;]*m)?- (.+)$/gm)) {
    failing[shortName(m[1]!.trim())] ??= 'skipped';
  }
  return { file, ran, passed, failing };
}

export async function runGabbiFile(yaml: string, opts: GabbiRunOptions): Promise<FileResult> {
  const file = basename(yaml);
  const log = join(opts.logdir, `${file}.log`);
  const r = await run('/usr/bin/python3', [join(opts.conformance, 'gabbi_live.py'),
    '--start-cmd', opts.startCmd, '--logdir', opts.logdir, yaml], {
    cwd: opts.conformance, env: opts.env, timeoutMs: 600_000,
  });
  if (!existsSync(log)) {
    const why = `${r.stderr}\n${r.stdout}`.trim().split('\n').slice(-3).join(' | ');
    return { file, ran: 0, passed: 0, failing: {}, broken: `no gabbi-run log (exit ${r.status}): ${why}` };
  }
  const result = parseGabbiLog(file, readFileSync(log, 'utf8'));
  if (result.ran === 0) {
    result.broken = `gabbi-run ran no test: ${readFileSync(log, 'utf8').slice(-300)}`;
  }
  return result;
}
