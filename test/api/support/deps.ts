// Makes sure the Debian packages of the API suites are installed (scripts/placement-deps.sh),
// and tells a test whether it must skip. A skip is only for a package that Debian truly does not
// offer here; any other install failure is an error, so a broken machine never passes as skipped.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './processes.js';

export type DepsVerdict = { ok: true } | { ok: false; skip: string };

/** What each suite needs, as (package, a file it installs). */
const PROBES: Record<string, readonly (readonly [string, string])[]> = {
  gabbi: [
    ['python3-gabbi', '/usr/bin/gabbi-run'],
    ['python3-yaml', '/usr/lib/python3/dist-packages/yaml'],
  ],
  peer: [
    ['placement-api', '/usr/bin/placement-api'],
    ['python3-placement', '/usr/lib/python3/dist-packages/placement'],
  ],
  openstack: [
    ['python3-openstackclient', '/usr/bin/openstack'],
    ['python3-osc-placement', '/usr/lib/python3/dist-packages/osc_placement'],
  ],
  // Debian 12's postgresql is 15; scripts/postgres.sh needs the server binaries, psql the client
  postgres: [
    ['postgresql', '/usr/lib/postgresql/15/bin/initdb'],
    ['postgresql-client', '/usr/bin/psql'],
  ],
  curl: [['curl', '/usr/bin/curl']],
};

export type DepGroup = keyof typeof PROBES;

async function unavailable(pkg: string): Promise<boolean> {
  const r = await run('apt-cache', ['policy', pkg]);
  return r.status !== 0 || !/Candidate:\s*(?!\(none\))\S+/.test(r.stdout);
}

export async function ensureDeps(root: string, groups: readonly DepGroup[]): Promise<DepsVerdict> {
  const probes = groups.flatMap((g) => PROBES[g] ?? []);
  const missing = () => probes.filter(([, file]) => !existsSync(file));
  if (missing().length === 0) return { ok: true };
  const r = await run('bash', [join(root, 'scripts', 'placement-deps.sh')]);
  const still = missing();
  if (still.length === 0) return { ok: true };
  const gone: string[] = [];
  for (const [pkg] of still) if (await unavailable(pkg)) gone.push(pkg);
  if (gone.length > 0) return { ok: false, skip: `Debian package(s) unavailable here: ${gone.join(', ')}` };
  throw new Error(
    `scripts/placement-deps.sh did not install ${still.map(([p]) => p).join(', ')} ` +
      `(exit ${r.status}):\n${r.stderr.slice(-2000)}`,
  );
}
