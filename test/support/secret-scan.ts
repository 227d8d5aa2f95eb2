// The checking half of the secret audit (secret-audit.ts records): after the suites, every log
// line and error body a suite recorded is searched for every secret any suite recorded.
//
// The rule: a leak is any run of GRAM (8) consecutive characters of a secret, as it is or as it
// would look JSON-escaped or URL-encoded, anywhere in a log line or an error body. So a whole
// token, a truncated prefix ("token gAAAAABp3xQ2..."), a suffix or a middle piece all count.
// What may appear is what shares no such run with the secret: a short hash of a token (a
// fingerprint such as sha256(token)[:8]) or its length. Secrets shorter than GRAM are refused when
// recorded (secret-audit.ts): they would match ordinary text.
//
// A check that saw nothing proved nothing, so a suite must also have recorded at least its
// minimum of log lines, error bodies and secrets (MINIMUMS); an empty or missing audit fails.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const GRAM = 8;

export interface Minimum {
  lines: number;
  bodies: number;
  secrets: number;
}

/**
 * Per suite, what a full run records at the least. The figures are well under what a run
 * records (scripts/test.mjs prints the figures after every run) and well over zero, so a harness that stops
 * recording fails the run.
 */
export const MINIMUMS: Readonly<Record<string, Minimum>> = {
  api: { lines: 2000, bodies: 500, secrets: 8 },
  identity: { lines: 50, bodies: 10, secrets: 6 },
  integration: { lines: 20, bodies: 0, secrets: 1 },
  client: { lines: 10, bodies: 0, secrets: 0 },
  deploy: { lines: 5, bodies: 2, secrets: 1 },
};

export interface Leak {
  /** The secret's label, never its value. */
  secret: string;
  /** file:line of a log, or bodies.jsonl:line (where) of an error body */
  at: string;
}

export interface SuiteReport {
  suite: string;
  logFiles: number;
  lines: number;
  bodies: number;
  secrets: number;
  leaks: Leak[];
  /** Why the suite's audit proves nothing: below a minimum, or missing. */
  short: string[];
}

interface Secret {
  label: string;
  value: string;
}

function readJsonl<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

/** The forms a secret takes in text: itself, inside a JSON string, in a URL. */
function forms(value: string): string[] {
  return [...new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)])];
}

/** Every GRAM-long run of every form of every secret → the secret's label. */
export function gramIndex(secrets: readonly Secret[]): Map<string, string> {
  const index = new Map<string, string>();
  for (const s of secrets) {
    for (const f of forms(s.value)) {
      for (let i = 0; i + GRAM <= f.length; i++) index.set(f.slice(i, i + GRAM), s.label);
    }
  }
  return index;
}

/** The label of the first secret a text shares a GRAM-long run with, or null. */
export function findSecret(text: string, index: ReadonlyMap<string, string>): string | null {
  if (index.size === 0) return null;
  for (let i = 0; i + GRAM <= text.length; i++) {
    const hit = index.get(text.slice(i, i + GRAM));
    if (hit !== undefined) return hit;
  }
  return null;
}

/** The secrets every suite of the run recorded: a token one suite used must not appear in another's logs either. */
export function allSecrets(root: string): Secret[] {
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((suite) => readJsonl<Secret>(join(root, suite, 'secrets.jsonl')));
}

export function scanSuite(root: string, suite: string, index: ReadonlyMap<string, string>): SuiteReport {
  const dir = join(root, suite);
  const report: SuiteReport = { suite, logFiles: 0, lines: 0, bodies: 0, secrets: 0, leaks: [], short: [] };
  if (!existsSync(dir)) {
    report.short.push(`no audit directory ${dir}: nothing was recorded`);
    return report;
  }
  report.secrets = readJsonl<Secret>(join(dir, 'secrets.jsonl')).length;
  const logs = existsSync(join(dir, 'logs')) ? readdirSync(join(dir, 'logs')).sort() : [];
  for (const name of logs) {
    report.logFiles += 1;
    const lines = readFileSync(join(dir, 'logs', name), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      report.lines += 1;
      const hit = findSecret(line, index);
      if (hit) report.leaks.push({ secret: hit, at: `logs/${name}:${i + 1}` });
    });
  }
  readJsonl<{ where: string; status: number | null; text: string }>(join(dir, 'bodies.jsonl')).forEach((b, i) => {
    report.bodies += 1;
    // The label of the answer counts as much as its text (a URL with a token in it, say).
    const hit = findSecret(`${b.where}\n${b.text}`, index);
    if (hit) report.leaks.push({ secret: hit, at: `bodies.jsonl:${i + 1} (${b.status} ${b.where.slice(0, 80)})` });
  });
  const min = MINIMUMS[suite];
  if (min) {
    for (const k of ['lines', 'bodies', 'secrets'] as const) {
      if (report[k] < min[k]) report.short.push(`${report[k]} ${k} recorded, fewer than the ${min[k]} a run records`);
    }
  }
  return report;
}

/** Scans the given suites; ok only with no leak and every suite at its minimum. */
export function checkAudit(root: string, suites: readonly string[]): { ok: boolean; reports: SuiteReport[] } {
  const index = gramIndex(allSecrets(root));
  const reports = suites.map((s) => scanSuite(root, s, index));
  return { ok: reports.every((r) => r.leaks.length === 0 && r.short.length === 0), reports };
}

/** One line per suite, then one per leak or shortfall: what scripts/test.mjs prints. */
export function formatReport(reports: readonly SuiteReport[]): string[] {
  return reports.flatMap((r) => [
    `secret audit ${r.suite}: ${r.lines} log lines in ${r.logFiles} logs, ${r.bodies} error bodies, ` +
      `${r.secrets} secrets recorded; ${r.leaks.length} leaks`,
    ...r.leaks.map((l) => `  LEAK of ${l.secret} at ${l.at}`),
    ...r.short.map((s) => `  PROVES NOTHING: ${s}`),
  ]);
}
