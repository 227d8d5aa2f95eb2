// `physnet` on the simulated host with the resource model in `vfnet serve` ("placement": {"url"})
// and in the node's embedded store (no "placement"): the agent registers the host (2 PFs × 7 VFs,
// physnets public and intranet), then 32 parallel ADDs ask for a VF on physnet public. Exactly the
// 7 VFs of the public PF are handed out, each once, each claimed in the model and in the ledger;
// the rest fail with "no free VF"; doctor finds ledger, model and hardware in agreement; DELs give
// everything back, in the model and on the host.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pfProviderUuid } from '../../../src/accounting/ids.js';
import { openStore } from '../../../src/store/open.js';
import { apiPaths } from '../../api/support/paths.js';
import { type RunningServer, startVfnet } from '../../api/support/servers.js';
import { formatResult, run } from '../../support/exec.js';
import { labFor, type TestLab } from '../../support/lab.js';
import { createNetns } from '../../support/netns.js';
import { REPO_ROOT, SRIOV_BIN } from '../../support/paths.js';
import { cniError, execPlugin } from '../../support/plugin.js';
import { Scratch } from '../../support/scratch.js';
import { recordSecret } from '../../support/secret-audit.js';

const VFS = 7;
const ADDS = 32;
let s: Scratch;
let lab: TestLab;
let server: RunningServer;
const HOST = 'physnet-host';
// vfnet serve runs with a static token (--auth token): the agent and the plugin read it from a
// token file (VFNET_TOKEN_FILE, src/accounting/token.ts), as on a real host, and the suite's
// secret audit proves it reaches no log.
// Wholly random: a readable prefix such as `physnet-` also occurs in the scratch paths that the
// logs name, and the secret audit would take that run of 8 characters for the token.
const TOKEN = randomBytes(24).toString('hex');
let tokenFile: string;

before(async () => {
  s = new Scratch('vfnet-physnet');
  lab = labFor(s, { pfs: 2, vfsPerPf: VFS, totalVfs: VFS, physnets: ['public', 'intranet'] });
  recordSecret('physnet-model static token', TOKEN);
  tokenFile = s.path('placement-token');
  writeFileSync(tokenFile, `${TOKEN}\n`);
  chmodSync(tokenFile, 0o600);
  const tokens = s.path('tokens.yaml');
  writeFileSync(tokens, `tokens:\n  - {token: ${TOKEN}, user: agent, project: service, roles: [admin, service]}\n`);
  server = await startVfnet({
    serverJs: apiPaths().serverJs,
    db: s.path('vfnet.db'),
    extraArgs: ['--auth', 'token', '--token-file', tokens],
  });
  s.defer('stop vfnet serve', () => server.stop());
  for (const target of [
    ['--placement', server.url],
    ['--db', lab.db],
  ]) {
    const agent = await run(
      process.execPath,
      [
        join(REPO_ROOT, 'dist/bin/vfnet'),
        'agent',
        ...target,
        '--once',
        '--sysfs-root',
        lab.dir,
        '--hostname',
        HOST,
        '--physnet',
        `${lab.pf(0).name}=public`,
        '--physnet',
        `${lab.pf(1).name}=intranet`,
      ],
      { timeoutMs: 120_000, env: { VFNET_TOKEN_FILE: tokenFile } },
    );
    assert.equal(agent.status, 0, formatResult(agent));
  }
});
after(async () => {
  await s.dispose();
});

/** SRIOV_NET_VF used on a PF's provider, as vfnet serve reports it. */
async function serviceUsage(pfIndex: number): Promise<number> {
  const r = await fetch(`${server.url}/resource_providers/${pfProviderUuid(HOST, lab.pf(pfIndex).pci)}/usages`, {
    headers: { 'x-auth-token': TOKEN, 'openstack-api-version': 'placement 1.39' },
  });
  const body = (await r.json()) as { usages: Record<string, number> };
  return body.usages.SRIOV_NET_VF ?? 0;
}

/** The same, read from the embedded store's file. */
async function embeddedUsage(pfIndex: number): Promise<number> {
  const store = await openStore(lab.db);
  try {
    return (await store.getProviderUsages(pfProviderUuid(HOST, lab.pf(pfIndex).pci))).usages.get('SRIOV_NET_VF') ?? 0;
  } finally {
    await store.close();
  }
}

test(`${ADDS} parallel physnet ADDs against vfnet serve: the ${VFS} VFs of the public PF, each once, claimed in the model; DELs give all back`, async () => {
  await scenario({ placement: { url: server.url } }, serviceUsage);
});

test(`${ADDS} parallel physnet ADDs on the embedded store (no "placement"): the same`, async () => {
  await scenario({}, embeddedUsage);
});

async function doctor(): Promise<{ check: string; status: string; detail: string }[]> {
  const out = await run(process.execPath, [
    join(REPO_ROOT, 'dist/bin/vfnet'),
    'doctor',
    '--sysfs-root',
    lab.dir,
    '--state-dir',
    lab.stateDir,
    '--hostname',
    HOST,
    '--json',
  ]);
  assert.equal(out.status, 0, formatResult(out));
  return (JSON.parse(out.stdout) as { findings: { check: string; status: string; detail: string }[] }).findings;
}

async function scenario(target: Record<string, unknown>, usage: (pfIndex: number) => Promise<number>): Promise<void> {
  const beforeView = lab.show();
  const pods = await Promise.all(Array.from({ length: ADDS }, () => createNetns(s, 'vq')));
  const config = {
    cniVersion: '1.0.0',
    name: 'physnet-net',
    type: 'sriov',
    physnet: 'public',
    ...target,
    ipam: { type: 'host-local', dataDir: s.path('ipam'), subnet: '10.78.0.0/24' },
  };
  // The plugin's token, from its token file (VFNET_TOKEN_FILE, src/accounting/token.ts).
  const env = { ...lab.env, VFNET_HOSTNAME: HOST, VFNET_TOKEN_FILE: tokenFile };
  const call = (command: 'ADD' | 'DEL', i: number) =>
    execPlugin(SRIOV_BIN, { command, containerId: `pn${i}`, netns: pods[i]!.path, ifname: 'net1', env }, config);

  const adds = await Promise.all(pods.map((_, i) => call('ADD', i)));
  const winners = adds.filter((o) => o.status === 0);
  const losers = adds.filter((o) => o.status !== 0);
  assert.equal(winners.length, VFS, adds.map((o) => o.stdout).join('\n'));
  const pcis = winners.map((o) => (o.json as { interfaces: { pciID?: string }[] }).interfaces[0]?.pciID);
  // 1.0.0 results carry no pciID: read the claims off the lab instead.
  void pcis;
  const during = lab.show();
  const taken = during.vfs.filter((v) => v.netdev === null);
  assert.equal(taken.length, VFS, 'VFs away from the host');
  assert.ok(
    taken.every((v) => v.pf === lab.pf(0).name),
    'all on the public PF',
  );
  for (const o of losers) {
    const err = cniError(o);
    assert.equal(err?.code, 101, formatResult(o));
    assert.match(err!.msg, /no free VF on physnet "public"/);
  }
  assert.equal(await usage(0), VFS, 'the model holds exactly the VFs the hardware holds');
  assert.equal(await usage(1), 0);
  assert.deepEqual(
    lab
      .ledger()
      .map((c) => c.pci)
      .sort(),
    taken.map((v) => v.pci).sort(),
    'the ledger holds exactly those VFs',
  );
  const findings = await doctor();
  assert.deepEqual(
    findings.filter((f) => f.status !== 'pass' && f.status !== 'skip'),
    [],
  );
  if (!target.placement) {
    assert.deepEqual(
      findings.filter((f) => f.check === 'model-claims').map((f) => f.detail),
      [`${VFS} attachments and ${VFS} claims in file://${lab.db} agree`],
    );
  }

  const dels = await Promise.all(pods.map((_, i) => call('DEL', i)));
  for (const o of dels) assert.equal(o.status, 0, formatResult(o));
  assert.equal(await usage(0), 0);
  assert.deepEqual(lab.show(), beforeView);
  assert.deepEqual(lab.stateFiles(), []);
  assert.deepEqual(lab.ledger(), []);
  await doctor();
}

test('master on a PF the embedded model has: claimed there too, so VFs a scheduler allocated in the model are never taken', async () => {
  const beforeView = lab.show();
  const pf1 = pfProviderUuid(HOST, lab.pf(1).pci);
  // A scheduler gave 2 of PF 1's VFs to an instance: the hardware still shows 7 free.
  const instance = '9d7e2c1a-0000-4000-8000-00000000a001';
  const store = await openStore(lab.db);
  try {
    await store.writeAllocations([
      {
        consumerUuid: instance,
        projectId: 'p',
        userId: 'u',
        consumerGeneration: null,
        consumerType: 'INSTANCE',
        allocations: [{ providerUuid: pf1, resourceClass: 'SRIOV_NET_VF', used: 2 }],
      },
    ]);
  } finally {
    await store.close();
  }
  const n = 10;
  const pods = await Promise.all(Array.from({ length: n }, () => createNetns(s, 'vm')));
  const config = { cniVersion: '1.0.0', name: 'master-net', type: 'sriov', master: lab.pf(1).name };
  // The plugin's token, from its token file (VFNET_TOKEN_FILE, src/accounting/token.ts).
  const env = { ...lab.env, VFNET_HOSTNAME: HOST, VFNET_TOKEN_FILE: tokenFile };
  const call = (command: 'ADD' | 'DEL', i: number) =>
    execPlugin(SRIOV_BIN, { command, containerId: `ms${i}`, netns: pods[i]!.path, ifname: 'net1', env }, config);
  const adds = await Promise.all(pods.map((_, i) => call('ADD', i)));
  const winners = adds.filter((o) => o.status === 0);
  assert.equal(winners.length, VFS - 2, adds.map((o) => o.stdout).join('\n'));
  for (const o of adds.filter((x) => x.status !== 0)) {
    const err = cniError(o);
    assert.equal(err?.code, 101, formatResult(o));
    assert.match(
      err!.msg,
      new RegExp(`no free VF on ${lab.pf(1).name}: the resource model at file://.* has all of its VFs allocated`),
    );
  }
  assert.equal(await embeddedUsage(1), VFS, "the instance's 2 and the 5 attachments");
  assert.equal(lab.ledger().length, VFS - 2);
  const findings = await doctor();
  assert.deepEqual(
    findings.filter((f) => f.check === 'model-claims').map((f) => f.detail),
    [`${VFS - 2} attachments and ${VFS - 2} claims in file://${lab.db} agree`],
  );
  const dels = await Promise.all(pods.map((_, i) => call('DEL', i)));
  for (const o of dels) assert.equal(o.status, 0, formatResult(o));
  assert.equal(await embeddedUsage(1), 2, "only the instance's VFs remain");
  assert.deepEqual(lab.show(), beforeView);
  assert.deepEqual(lab.ledger(), []);
});
