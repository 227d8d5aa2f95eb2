// Runs one of Placement's gabbi files against a live server, the way upstream's functional tests
// run it in-process: a fresh server with an empty database, the file's fixture built (here over
// HTTP, test/api/gabbi/fixtures.ts), Debian's gabbi-run with the fixture's variables, and the
// server stopped. One file per server, so a server that fails to start costs that file only.

import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { recordLogFile, recordResponse } from '../../support/secret-audit.js';
import { buildFixture, fixtureOf, knownFixture } from '../gabbi/fixtures.js';
import { startBodyTap } from './body-tap.js';
import { keyValues, run, stopPid } from './processes.js';

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
  /**
   * A shell command that starts a fresh, empty server, prints `URL=` and `PID=` lines and exits
   * with the server running. It gets GABBI_FIXTURE=<the file's fixture> in its environment, so
   * a server can take the configuration the fixture implies (CORS for CORSFixture).
   */
  startCmd: string;
  logdir: string;
  env: NodeJS.ProcessEnv;
}

/** Debian's gabbi-run (python3-gabbi), the one scripts/placement-deps.sh installs. */
export const GABBI_RUN = '/usr/bin/gabbi-run';

/** The test name without gabbi-run's suite prefix, e.g. `allocations-1-12_put_empty_allocations`. */
function shortName(name: string): string {
  return name.replace(/^gabbi-runner\./, '');
}

/** Parses a gabbi-run log: per-test markers (✓ pass, ✗ fail, E error, - skip) and FAIL/ERROR sections. */
export function parseGabbiLog(file: string, text: string): FileResult {
  const ran = Number(/^Ran (\d+) tests?/m.exec(text)?.[1] ?? 0);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: gabbi-run colours its lines with ANSI escapes
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
  // biome-ignore lint/suspicious/noControlCharactersInRegex: gabbi-run colours its lines with ANSI escapes
  for (const m of text.matchAll(/^\.\.\. (?:\x1b\[[0-9;]*m)?- (.+)$/gm)) {
    failing[shortName(m[1]!.trim())] ??= 'skipped';
  }
  return { file, ran, passed, failing };
}

/** gabbi-run URL -- FILE, its whole output into `log`; resolves with its exit status. */
function gabbiRun(url: string, yaml: string, log: string, env: NodeJS.ProcessEnv): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(log);
    out.on('open', () => {
      const child = spawn(GABBI_RUN, [url, '--', yaml], { env, stdio: ['ignore', out, out] });
      child.on('error', reject);
      child.on('close', (status) => out.end(() => resolve(status)));
    });
    out.on('error', reject);
  });
}

export async function runGabbiFile(yaml: string, opts: GabbiRunOptions): Promise<FileResult> {
  const file = basename(yaml);
  const broken = (why: string): FileResult => ({ file, ran: 0, passed: 0, failing: {}, broken: why });
  const fixture = fixtureOf(readFileSync(yaml, 'utf8'));
  if (!knownFixture(fixture)) return broken(`unsupported fixture ${fixture}`);
  const started = await run('bash', ['-c', opts.startCmd], {
    env: { ...opts.env, GABBI_FIXTURE: fixture },
    timeoutMs: 120_000,
  });
  const kv = keyValues(started.stdout);
  if (started.status !== 0 || !kv.URL || !kv.PID) {
    if (kv.PID) await stopPid(Number(kv.PID));
    return broken(
      `start command failed (exit ${started.status}): ${started.stderr.trim().split('\n').slice(-3).join(' | ')}`,
    );
  }
  mkdirSync(opts.logdir, { recursive: true });
  const log = join(opts.logdir, `${file}.log`);
  // gabbi-run talks to the server through the tap, which hands every error answer to the secret audit.
  const tap = await startBodyTap(kv.URL, (status, body, line) => recordResponse(`gabbi ${file} ${line}`, status, body));
  try {
    let vars: Record<string, string>;
    try {
      vars = await buildFixture(kv.URL, fixture);
    } catch (e) {
      return broken(`${fixture}: ${(e as Error).message}`);
    }
    await gabbiRun(tap.url, yaml, log, { ...opts.env, ...vars });
  } finally {
    await stopPid(Number(kv.PID));
    await tap.close();
    // start-vfnet.sh's server log (the peer's start script writes placement.log instead).
    if (kv.WORKDIR) recordLogFile(`serve-gabbi-${file}`, join(kv.WORKDIR, 'server.log'));
  }
  if (!existsSync(log)) return broken('gabbi-run wrote no log');
  const text = readFileSync(log, 'utf8');
  const result = parseGabbiLog(file, text);
  if (result.ran === 0) result.broken = `gabbi-run ran no test: ${text.slice(-300)}`;
  return result;
}
