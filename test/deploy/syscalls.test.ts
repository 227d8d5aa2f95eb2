// The units' system call filter and address families against what the executables really do:
// the package's `vfnet` (Bun-compiled) runs `serve` and `agent` under strace; whatever they call
// that the unit's SystemCallFilter= denies must be something they survive being refused, so
// they run again with exactly those calls failing with EPERM (SystemCallErrorNumber=EPERM).
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { labFor } from '../support/lab.js';
import { REPO_ROOT } from '../support/paths.js';
import { type Scratch, scratchFor } from '../support/scratch.js';
import { allowedFamilies, allowedSyscalls, tracedSyscalls } from './support/syscalls.js';

const unit = (name: string) => readFileSync(join(REPO_ROOT, 'deploy', 'systemd', name), 'utf8');

function vfnet(s: Scratch): string {
  const bin = s.path('vfnet');
  execFileSync(join(REPO_ROOT, 'deploy', 'compile-vfnet.sh'), [bin], { stdio: 'inherit' });
  return bin;
}

/** strace arguments: log everything to `log`, or fail `refuse` with EPERM. */
const strace = (log: string, refuse: string[]) =>
  refuse.length ? ['-f', '-qq', '-o', log, '-e', `inject=${refuse.join(',')}:error=EPERM`] : ['-f', '-qq', '-o', log];

async function serveOnce(bin: string, s: Scratch, log: string, refuse: string[]): Promise<void> {
  const db = s.path(`p-${refuse.length}.db`);
  const child: ChildProcess = spawn(
    'strace',
    [...strace(log, refuse), bin, 'serve', '--listen', '127.0.0.1:0', '--db', db, '--log-level', 'warn'],
    // A process group of their own: strace, told to stop, detaches and leaves vfnet running.
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  let err = '';
  child.stderr!.setEncoding('utf8');
  let url: string | undefined;
  for await (const chunk of child.stderr!) {
    err += chunk;
    url = err.match(/listening on (http:\/\/\S+)/)?.[1];
    if (url) break;
  }
  assert.ok(url, err);
  const headers = {
    'x-auth-token': 'admin',
    'openstack-api-version': 'placement 1.39',
    'content-type': 'application/json',
  };
  const created = await fetch(`${url}/resource_providers`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ name: 'rp1' }),
  });
  assert.equal(created.status, 200);
  const list = (await (await fetch(`${url}/resource_providers`, { headers })).json()) as {
    resource_providers: { name: string }[];
  };
  assert.deepEqual(
    list.resource_providers.map((p) => p.name),
    ['rp1'],
  );
  const exited = once(child, 'exit');
  process.kill(-child.pid!, 'SIGTERM');
  await exited;
}

function agentOnce(bin: string, sysfs: string, db: string, log: string, refuse: string[]): string {
  return execFileSync('strace', [...strace(log, refuse), bin, 'agent', '--once', '--db', db, '--sysfs-root', sysfs], {
    encoding: 'utf8',
  });
}

describe('the system call filters', () => {
  test("vfnet serve runs within vfnet-serve.service's filter and address families", async (t) => {
    const s = scratchFor(t, 'vfnet-sc');
    const bin = vfnet(s);
    const text = unit('vfnet-serve.service');
    await serveOnce(bin, s, s.path('serve.trace'), []);
    const { calls, families } = tracedSyscalls(s.path('serve.trace'));
    assert.ok(calls.has('accept4') && calls.has('pwrite64'), 'the trace saw it serve and write');
    for (const f of families) assert.ok(allowedFamilies(text).has(f), f);
    const allowed = allowedSyscalls(text);
    const refused = [...calls].filter((c) => !allowed.has(c)).sort();
    t.diagnostic(`refused by the unit: ${refused.join(', ') || 'none'}`);
    await serveOnce(bin, s, s.path('serve-refused.trace'), refused);
  });

  test("vfnet agent runs within vfnet-agent.service's filter and address families", (t) => {
    const s = scratchFor(t, 'vfnet-sc');
    const bin = vfnet(s);
    const lab = labFor(s, { pfs: 1, vfsPerPf: 2 });
    const text = unit('vfnet-agent.service');
    assert.match(agentOnce(bin, lab.dir, s.path('a.db'), s.path('agent.trace'), []), /in sync/);
    const { calls, families } = tracedSyscalls(s.path('agent.trace'));
    for (const f of families) assert.ok(allowedFamilies(text).has(f), f);
    const allowed = allowedSyscalls(text);
    const refused = [...calls].filter((c) => !allowed.has(c)).sort();
    t.diagnostic(`refused by the unit: ${refused.join(', ') || 'none'}`);
    assert.match(
      agentOnce(bin, lab.dir, s.path('b.db'), s.path('agent-refused.trace'), refused),
      /in sync \(3 providers/,
    );
  });
});
