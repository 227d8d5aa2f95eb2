// The recording half of the suite-wide secret audit (issue 11: "a grep of every log line and
// error body of the suite finds no password or token"). scripts/test.mjs sets
// VFNET_SECRET_AUDIT_DIR for a run; every harness that starts a vfnet process, receives an error
// answer or learns a secret records it here, under one directory per suite, and
// test/support/secret-scan.ts greps all of it once the suites are done.
// Without the variable (a test file run by hand) every call is a no-op: the audit is a property
// of a whole run, not of one file.
//
// Layout of <audit>/<suite>/:
//   logs/<name>-<pid>-<n>.log   a process's whole log (serve, agent, plugin stderr, ...)
//   bodies.jsonl                {where, status, text}: one error answer (HTTP >= 400, a failed CLI's output)
//   secrets.jsonl               {label, value}: a secret the suite used (tokens, passwords, key material)
// The directory is created 0700: secrets.jsonl holds the very values the run must not leak.
import { randomBytes } from 'node:crypto';
import { appendFileSync, copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const AUDIT_ENV = 'VFNET_SECRET_AUDIT_DIR';

/** Shorter secrets cannot be searched for without matching ordinary text (see secret-scan.ts). */
export const MIN_SECRET_LENGTH = 8;

/** The suite a test process belongs to: the directory under dist/test/ of the file node --test runs. */
export function suiteOf(testFile: string | undefined): string {
  return /[/\\]test[/\\]([a-z-]+)[/\\]/.exec(testFile ?? '')?.[1] ?? 'other';
}

/** <audit>/<suite>, created; null when no audit is running. */
export function auditDir(env: NodeJS.ProcessEnv = process.env, testFile = process.argv[1]): string | null {
  const root = env[AUDIT_ENV];
  if (!root) return null;
  const dir = join(root, suiteOf(testFile));
  mkdirSync(join(dir, 'logs'), { recursive: true, mode: 0o700 });
  return dir;
}

/**
 * Where a process started by a harness should write its log, so the audit reads it even when
 * the test fails before it could copy anything; null when no audit runs (the caller keeps its own).
 */
export function auditLogPath(name: string): string | null {
  const dir = auditDir();
  if (!dir) return null;
  const unique = `${process.pid}-${randomBytes(4).toString('hex')}`;
  return join(dir, 'logs', `${name.replace(/[^\w.-]/g, '_')}-${unique}.log`);
}

/** Records a log's text (a process's captured stdout+stderr). */
export function recordLog(name: string, text: string): void {
  const path = auditLogPath(name);
  if (path) appendFileSync(path, text, { mode: 0o600 });
}

/** Records a log file as it is now (a server's log file that lives elsewhere). */
export function recordLogFile(name: string, file: string): void {
  const path = auditLogPath(name);
  if (path && existsSync(file)) copyFileSync(file, path);
}

/** Records one error answer: an HTTP status >= 400 and its body, or a failed command's output. */
export function recordBody(where: string, status: number | null, text: string): void {
  const dir = auditDir();
  if (dir) appendFileSync(join(dir, 'bodies.jsonl'), `${JSON.stringify({ where, status, text })}\n`, { mode: 0o600 });
}

/** Records an HTTP answer when it is an error (status >= 400); successes are not error bodies. */
export function recordResponse(where: string, status: number, text: string): void {
  if (status >= 400) recordBody(where, status, text);
}

/** Records a secret the suite uses, to be searched for in every log and error body of the run. */
export function recordSecret(label: string, value: string): void {
  if (value.length < MIN_SECRET_LENGTH) {
    // A test secret this short would be found in ordinary text: the test must choose a longer one.
    throw new Error(`secret ${label} is shorter than ${MIN_SECRET_LENGTH} characters: it cannot be audited`);
  }
  const dir = auditDir();
  if (dir) appendFileSync(join(dir, 'secrets.jsonl'), `${JSON.stringify({ label, value })}\n`, { mode: 0o600 });
}

/** The base64 lines of a PEM private key: the material that must never be shown. */
export function pemSecretLines(pem: string): string[] {
  return pem
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length >= MIN_SECRET_LENGTH && !l.startsWith('-----'));
}
