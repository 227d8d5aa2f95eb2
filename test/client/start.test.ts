// `npm start` keeps its word: what `vfnet start` tells a newcomer to try works, on a fresh state.
// The test does what npm start does after the build (scripts/install-deps.sh demo, then
// `vfnet start`), reads what it prints, runs every printed command in the order printed, as a
// newcomer pasting them into a shell would, and checks each answer. A command added to the
// printout without a check here fails the test, so the printout cannot promise more than it does.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { run } from '../support/exec.js';
import { REPO_ROOT } from '../support/paths.js';
import { recordLog } from '../support/secret-audit.js';

const VFNET = join(REPO_ROOT, 'dist', 'bin', 'vfnet');

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => done(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** Resolves with everything printed once `marker` has appeared; rejects if the process exits first. */
function printedUntil(child: ChildProcess, marker: string): Promise<string> {
  return new Promise((done, fail) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes(marker)) done(out);
    });
    child.stderr!.on('data', (b: Buffer) => {
      err += b.toString();
    });
    child.on('exit', (code) =>
      fail(new Error(`vfnet start exited (${code}) before printing "${marker}":\n${out}\n${err}`)),
    );
  });
}

/** The commands of the printout: two-space indented lines after "Try, in another shell:", `\` continuing one. */
function printedCommands(text: string): string[] {
  const after = text.slice(text.indexOf('Try, in another shell:'));
  const lines = after.split('\n').slice(1);
  const commands: string[] = [];
  let current: string | null = null;
  for (const line of lines) {
    if (current !== null) {
      current += `\n${line}`;
      if (!line.endsWith('\\')) {
        commands.push(current);
        current = null;
      }
      continue;
    }
    if (!/^ {2}\S/.test(line)) {
      if (commands.length > 0 && line.trim() === '') break;
      continue;
    }
    if (line.endsWith('\\')) current = line.trim();
    else commands.push(line.trim());
  }
  return commands;
}

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}
type Check = { what: RegExp; answer: (r: Ran) => void };

/** SRIOV_NET_VF's figure in `openstack resource provider usage show`'s table. */
function vfUsage(stdout: string): number {
  const m = /\|\s*SRIOV_NET_VF\s*\|\s*(\d+)\s*\|/.exec(stdout);
  assert.ok(m, `no SRIOV_NET_VF row in:\n${stdout}`);
  return Number(m[1]);
}

test('every command npm start prints works, in order', { timeout: 600_000 }, async (t) => {
  const deps = await run('bash', [join(REPO_ROOT, 'scripts', 'install-deps.sh'), 'demo'], { timeoutMs: 1_200_000 });
  assert.equal(deps.status, 0, `install-deps.sh demo failed:\n${deps.stderr}`);

  const work = mkdtempSync(join(tmpdir(), 'vfnet-start-'));
  const port = await freePort();
  const labDir = join(work, 'lab');
  // A fresh state: its own store, configs and plugin state under work/data, its own simulated host.
  const labPfs: string[] = [];
  const child = spawn(
    process.execPath,
    [VFNET, 'start', '--listen', `127.0.0.1:${port}`, '--db', join(work, 'data', 'vfnet.db'), '--lab-dir', labDir],
    { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // All `vfnet start` prints, its service's log included, goes to the secret audit at the end.
  const output: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => output.push(b));
  child.stderr.on('data', (b: Buffer) => output.push(b));
  try {
    const text = await printedUntil(child, 'Ctrl-C stops the service');
    t.diagnostic(text);
    const publicPf = /Physnet public is on (\S+) \(([0-9a-f-]{36})\)/.exec(text);
    assert.ok(publicPf, 'the printout names the physnet public PF');
    const [, pfName, pfUuid] = publicPf;
    const commands = printedCommands(text);
    // The dashboard URL it prints answers: the page, and its data with the token it names.
    const dashboard = /^Dashboard \(.*\): (http\S+)$/m.exec(text)?.[1];
    assert.ok(dashboard, 'the printout names the dashboard URL');
    const page = await fetch(dashboard);
    assert.equal(page.status, 200, `GET ${dashboard}`);
    assert.match(await page.text(), /<title>vfnet dashboard<\/title>/);
    const state = await fetch(`${dashboard}/api/state`, { headers: { 'x-auth-token': 'admin' } });
    assert.equal(state.status, 200, `GET ${dashboard}/api/state`);
    const view = (await state.json()) as { trees: { name: string }[] };
    assert.ok(view.trees.length > 0, 'the dashboard shows the registered host');
    // The simulated host's PF netdevs, which Ctrl-C must take away again.
    labPfs.push(
      ...[...(/stands in: (.*)\.$/m.exec(text)?.[1] ?? '').matchAll(/(\S+) \(\w+, \d+ VFs\)/g)].map((m) => m[1]!),
    );

    const checks: Check[] = [
      {
        what: /resource provider list$/,
        answer: (r) => {
          assert.match(r.stdout, new RegExp(`\\| ${pfName} `), 'the public PF is listed');
          assert.match(r.stdout, new RegExp(pfUuid!), 'with its uuid');
        },
      },
      {
        what: /allocation candidate list --resource SRIOV_NET_VF=1 --required CUSTOM_PHYSNET_PUBLIC$/,
        answer: (r) => {
          assert.match(r.stdout, /SRIOV_NET_VF=1/);
          assert.match(r.stdout, new RegExp(pfUuid!), 'the candidate is the public PF');
        },
      },
      {
        what: /^curl .*can_split=SRIOV_NET_VF'$/s,
        answer: (r) => {
          const body = JSON.parse(r.stdout) as {
            allocation_requests: { allocations: Record<string, { resources: { SRIOV_NET_VF?: number } }> }[];
          };
          assert.ok(body.allocation_requests.length > 0, 'two VFs fit');
          for (const ar of body.allocation_requests) {
            const vfs = Object.values(ar.allocations).reduce((n, a) => n + (a.resources.SRIOV_NET_VF ?? 0), 0);
            assert.equal(vfs, 2, 'each candidate has the two VFs asked for');
          }
        },
      },
      { what: /^ip netns add vfnet-demo1$/, answer: () => {} },
      {
        what: /cnitool add vfnet-physnet \/var\/run\/netns\/vfnet-demo1$/s,
        answer: (r) => {
          const result = JSON.parse(r.stdout) as { interfaces?: { name: string }[]; ips?: { address: string }[] };
          assert.ok(
            result.ips?.some((ip) => ip.address.startsWith('10.56.217.')),
            `an address of the subnet: ${r.stdout}`,
          );
          assert.ok(result.interfaces?.length, 'the VF interface is reported');
        },
      },
      {
        what: new RegExp(`resource provider usage show ${pfUuid}$`),
        answer: (r) => {
          assert.equal(vfUsage(r.stdout), 1, "the container's VF is claimed on the public PF");
        },
      },
      { what: /cnitool del vfnet-physnet \/var\/run\/netns\/vfnet-demo1$/s, answer: () => {} },
      {
        what: new RegExp(`resource provider usage show ${pfUuid}$`),
        answer: (r) => {
          assert.equal(vfUsage(r.stdout), 0, 'DEL gave the VF back');
        },
      },
      { what: /^ip netns del vfnet-demo1$/, answer: () => {} },
    ];
    assert.equal(commands.length, checks.length, `printed commands:\n${commands.join('\n')}`);
    for (const [i, command] of commands.entries()) {
      const check = checks[i]!;
      await t.test(
        command.split('\n')[0]!.replace(/ --os-auth-type.*--os-placement-api-version 1\.39/, ''),
        async () => {
          assert.match(command, check.what);
          // As pasted into a shell: bash reads the backslash continuations.
          const r = await run('bash', ['-c', command], { timeoutMs: 120_000 });
          assert.equal(r.status, 0, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
          check.answer(r);
        },
      );
    }
  } finally {
    child.kill('SIGINT');
    await new Promise((done) => (child.exitCode !== null ? done(null) : child.once('exit', done)));
    recordLog('vfnet-start', Buffer.concat(output).toString());
    await run('ip', ['netns', 'del', 'vfnet-demo1']);
    rmSync(work, { recursive: true, force: true });
  }
  assert.ok(labPfs.length > 0, 'the printout names the simulated PFs');
  for (const pf of labPfs) {
    assert.notEqual((await run('ip', ['link', 'show', 'dev', pf])).status, 0, `Ctrl-C removed ${pf}`);
  }
});
