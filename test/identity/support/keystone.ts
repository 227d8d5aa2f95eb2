// A real Keystone for the identity suite, started once per test file (start-keystone.sh) and
// stopped at the end; the openstack CLI runs against it with password auth from its clouds.yaml.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { keyValues, run, stopPid } from '../../api/support/processes.js';
import { recordBody, recordSecret } from '../../support/secret-audit.js';

export interface RunningKeystone {
  /** http://127.0.0.1:PORT/v3 */
  url: string;
  workdir: string;
  /** vfnet's --keystone-credentials-file (the `placement` service user). */
  credentialsFile: string;
  /** The users' passwords, to prove none of them reaches a log. */
  passwords: string[];
  /** Runs `openstack --os-cloud CLOUD ...`; the result is never thrown. */
  openstack(
    cloud: string | null,
    args: readonly string[],
  ): Promise<{ status: number | null; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

export async function startKeystone(root: string, port: number, placementUrl: string): Promise<RunningKeystone> {
  const deps = await run('bash', [join(root, 'scripts', 'keystone-deps.sh')]);
  if (deps.status !== 0) throw new Error(`scripts/keystone-deps.sh failed: ${deps.stderr.slice(-1500)}`);
  const r = await run('bash', [join(root, 'test', 'identity', 'start-keystone.sh'), String(port), placementUrl], {
    timeoutMs: 300_000,
  });
  const kv = keyValues(r.stdout);
  if (r.status !== 0 || !kv.KEYSTONE_URL || !kv.PID || !kv.WORKDIR) {
    throw new Error(`start-keystone.sh failed (exit ${r.status}): ${r.stderr.slice(-1500)}`);
  }
  const workdir = kv.WORKDIR;
  const pid = Number(kv.PID);
  const passwords = readFileSync(join(workdir, 'passwords.env'), 'utf8')
    .split('\n')
    .map((l) => l.split('=')[1])
    .filter((v): v is string => !!v);
  for (const [i, p] of passwords.entries()) recordSecret(`Keystone password ${i + 1} (passwords.env)`, p);
  const env: NodeJS.ProcessEnv = { ...process.env, OS_CLIENT_CONFIG_FILE: join(workdir, 'clouds.yaml') };
  for (const k of Object.keys(env)) if (k.startsWith('OS_') && k !== 'OS_CLIENT_CONFIG_FILE') delete env[k];
  return {
    url: kv.KEYSTONE_URL,
    workdir,
    credentialsFile: join(workdir, 'placement-credentials.yaml'),
    passwords,
    async openstack(cloud, args) {
      const r = await run('openstack', [...(cloud ? ['--os-cloud', cloud] : []), ...args], { env, timeoutMs: 120_000 });
      // A failed command's output is the error answer the CLI got (the secret audit reads it);
      // the label names the cloud and the command words, never an option's value (a token).
      const words = args.filter((a, i) => !a.startsWith('-') && !(args[i - 1] ?? '').startsWith('--'));
      if (r.status !== 0)
        recordBody(`openstack ${cloud ?? '(token)'} ${words.join(' ')}`, r.status, r.stdout + r.stderr);
      return r;
    },
    async stop() {
      await stopPid(pid);
      rmSync(workdir, { recursive: true, force: true });
    },
  };
}
