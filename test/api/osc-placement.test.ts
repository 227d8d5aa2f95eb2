// The real `openstack` CLI (Debian's python3-openstackclient + python3-osc-placement) against
// vfnet, exactly as an operator drives Placement in noauth2 mode:
//   openstack --os-auth-type admin_token --os-token admin --os-endpoint URL
//             --os-placement-api-version 1.39 resource provider ... -f json
// One SR-IOV host is built and used through the CLI: providers, inventories, traits, a custom
// resource class, allocations and allocation candidates. Every expected value here was checked
// against real Placement 8.0.0 (VFNET_API_PEER=1 runs the same scenario against it too).
// Each CLI call costs a Python cold start (~1.4 s), so the scenario is one pass of ~25 commands.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { ensureDeps } from './support/deps.js';
import { KnownGaps } from './support/known-gaps.js';
import { apiPaths } from './support/paths.js';
import { run } from './support/processes.js';
import { type RunningServer, startPeer, startVfnet } from './support/servers.js';

const paths = apiPaths();
const gaps = new KnownGaps(paths.sourceDir);
const withPeer = process.env.VFNET_API_PEER === '1';

const HOST = '0f5a1c1e-0000-4000-8000-000000000001';
const PF0 = '0f5a1c1e-0000-4000-8000-000000000002';
const PF1 = '0f5a1c1e-0000-4000-8000-000000000003';
const CONSUMER = '0f5a1c1e-0000-4000-8000-0000000000c1';
const OTHER_CONSUMER = '0f5a1c1e-0000-4000-8000-0000000000c2';

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
  json: any;
}

/** The CLI's environment without any OS_* settings of the caller (they would override flags). */
function cliEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OS_')));
}

async function openstack(url: string, args: string[]): Promise<CliResult> {
  const r = await run(
    'openstack',
    [
      '--os-auth-type',
      'admin_token',
      '--os-token',
      'admin',
      '--os-endpoint',
      url,
      '--os-placement-api-version',
      '1.39',
      ...args,
    ],
    { env: cliEnv(), timeoutMs: 120_000 },
  );
  let json: any;
  try {
    json = r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
  } catch {
    json = undefined;
  }
  return { ...r, json };
}

async function ok(url: string, args: string[]): Promise<any> {
  const r = await openstack(url, args);
  assert.equal(r.status, 0, `openstack ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.json;
}

const byUuid = (a: { uuid: string }, b: { uuid: string }) => a.uuid.localeCompare(b.uuid);
const rp = (uuid: string, name: string, generation: number, parent: string | null) => ({
  uuid,
  name,
  generation,
  root_provider_uuid: HOST,
  parent_provider_uuid: parent,
});

/** `allocation candidate list` rows, with the trait list (a set, in any order) sorted. */
function candidates(rows: any[]): any[] {
  return rows.map((r) => ({ ...r, traits: String(r.traits).split(',').filter(Boolean).sort().join(',') }));
}

async function scenario(t: TestContext, server: RunningServer, forVfnet: boolean): Promise<void> {
  const url = server.url;
  const step = (name: string, fn: () => Promise<void>) => gaps.check(t, 'osc-placement', name, forVfnet, fn);

  await step('resource provider create (root and children)', async () => {
    assert.deepEqual(
      await ok(url, ['resource provider', 'create', 'host1', '--uuid', HOST, '-f', 'json']),
      rp(HOST, 'host1', 0, null),
    );
    const [pf0, pf1] = await Promise.all([
      ok(url, ['resource provider', 'create', 'host1_pf0', '--uuid', PF0, '--parent-provider', HOST, '-f', 'json']),
      ok(url, ['resource provider', 'create', 'host1_pf1', '--uuid', PF1, '--parent-provider', HOST, '-f', 'json']),
    ]);
    assert.deepEqual(pf0, rp(PF0, 'host1_pf0', 0, HOST));
    assert.deepEqual(pf1, rp(PF1, 'host1_pf1', 0, HOST));
  });

  await step('resource provider create refuses a duplicate name', async () => {
    const r = await openstack(url, ['resource provider', 'create', 'host1', '-f', 'json']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Conflicting resource provider name: host1 already exists\. \(HTTP 409\)/);
  });

  await step('inventory set', async () => {
    const [pf0, , host] = await Promise.all([
      ok(url, [
        'resource provider',
        'inventory',
        'set',
        PF0,
        '--resource',
        'SRIOV_NET_VF=8',
        '--resource',
        'SRIOV_NET_VF:reserved=1',
        '-f',
        'json',
      ]),
      ok(url, ['resource provider', 'inventory', 'set', PF1, '--resource', 'SRIOV_NET_VF=8', '-f', 'json']),
      ok(url, [
        'resource provider',
        'inventory',
        'set',
        HOST,
        '--resource',
        'VCPU=4',
        '--resource',
        'MEMORY_MB=4096',
        '-f',
        'json',
      ]),
    ]);
    assert.deepEqual(pf0, [
      {
        resource_class: 'SRIOV_NET_VF',
        allocation_ratio: 1.0,
        min_unit: 1,
        max_unit: 2147483647,
        reserved: 1,
        step_size: 1,
        total: 8,
      },
    ]);
    assert.deepEqual(host.map((r: any) => [r.resource_class, r.total]).sort(), [
      ['MEMORY_MB', 4096],
      ['VCPU', 4],
    ]);
  });

  await step('inventory list', async () => {
    assert.deepEqual(await ok(url, ['resource provider', 'inventory', 'list', PF1, '-f', 'json']), [
      {
        resource_class: 'SRIOV_NET_VF',
        allocation_ratio: 1.0,
        min_unit: 1,
        max_unit: 2147483647,
        reserved: 0,
        step_size: 1,
        total: 8,
        used: 0,
      },
    ]);
  });

  await step('trait create and trait list', async () => {
    await Promise.all([
      ok(url, ['trait', 'create', 'CUSTOM_PHYSNET_PUBLIC']),
      ok(url, ['trait', 'create', 'CUSTOM_PHYSNET_INTRANET']),
    ]);
    const [all, custom] = await Promise.all([
      ok(url, ['trait', 'list', '-f', 'json']),
      ok(url, ['trait', 'list', '--name', 'startswith:CUSTOM_', '-f', 'json']),
    ]);
    const names = new Set(all.map((r: any) => r.name));
    // os-traits is seeded: the standard traits are there without being created
    for (const n of ['HW_NIC_SRIOV', 'COMPUTE_NET_VIF_MODEL_VIRTIO', 'CUSTOM_PHYSNET_PUBLIC'])
      assert.ok(names.has(n), n);
    assert.deepEqual(custom.map((r: any) => r.name).sort(), ['CUSTOM_PHYSNET_INTRANET', 'CUSTOM_PHYSNET_PUBLIC']);
  });

  await step('resource provider trait set', async () => {
    const [pf0, pf1] = await Promise.all([
      ok(url, [
        'resource provider',
        'trait',
        'set',
        PF0,
        '--trait',
        'CUSTOM_PHYSNET_PUBLIC',
        '--trait',
        'HW_NIC_SRIOV',
        '-f',
        'json',
      ]),
      ok(url, ['resource provider', 'trait', 'set', PF1, '--trait', 'CUSTOM_PHYSNET_INTRANET', '-f', 'json']),
    ]);
    assert.deepEqual(pf0.map((r: any) => r.name).sort(), ['CUSTOM_PHYSNET_PUBLIC', 'HW_NIC_SRIOV']);
    assert.deepEqual(pf1, [{ name: 'CUSTOM_PHYSNET_INTRANET' }]);
  });

  await step('resource class create', async () => {
    await ok(url, ['resource class', 'create', 'CUSTOM_VF_TEST']);
    assert.deepEqual(await ok(url, ['resource class', 'show', 'CUSTOM_VF_TEST', '-f', 'json']), {
      name: 'CUSTOM_VF_TEST',
    });
  });

  await step('resource provider list and show', async () => {
    const [all, pf0, filtered] = await Promise.all([
      ok(url, ['resource provider', 'list', '-f', 'json']),
      ok(url, ['resource provider', 'show', PF0, '-f', 'json']),
      ok(url, [
        'resource provider',
        'list',
        '--in-tree',
        HOST,
        '--required',
        'CUSTOM_PHYSNET_PUBLIC',
        '--resource',
        'SRIOV_NET_VF=2',
        '-f',
        'json',
      ]),
    ]);
    // generations: inventory set +1, trait set +1 (the root has only its inventory)
    assert.deepEqual(all.sort(byUuid), [
      rp(HOST, 'host1', 1, null),
      rp(PF0, 'host1_pf0', 2, HOST),
      rp(PF1, 'host1_pf1', 2, HOST),
    ]);
    assert.deepEqual(pf0, rp(PF0, 'host1_pf0', 2, HOST));
    assert.deepEqual(filtered, [rp(PF0, 'host1_pf0', 2, HOST)]);
  });

  await step('allocation candidate list --resource --required', async () => {
    const rows = await ok(url, [
      'allocation candidate',
      'list',
      '--resource',
      'SRIOV_NET_VF=1',
      '--required',
      'CUSTOM_PHYSNET_PUBLIC',
      '-f',
      'json',
    ]);
    assert.deepEqual(candidates(rows), [
      {
        '#': 1,
        allocation: 'SRIOV_NET_VF=1',
        'resource provider': PF0,
        'inventory used/capacity': 'SRIOV_NET_VF=0/7',
        traits: 'CUSTOM_PHYSNET_PUBLIC,HW_NIC_SRIOV',
      },
    ]);
  });

  await step('allocation candidate list --forbidden', async () => {
    const rows = await ok(url, [
      'allocation candidate',
      'list',
      '--resource',
      'SRIOV_NET_VF=1',
      '--forbidden',
      'CUSTOM_PHYSNET_PUBLIC',
      '-f',
      'json',
    ]);
    assert.deepEqual(candidates(rows), [
      {
        '#': 1,
        allocation: 'SRIOV_NET_VF=1',
        'resource provider': PF1,
        'inventory used/capacity': 'SRIOV_NET_VF=0/8',
        traits: 'CUSTOM_PHYSNET_INTRANET',
      },
    ]);
  });

  const allocationRows = [
    {
      resource_provider: HOST,
      generation: 2,
      resources: { VCPU: 1 },
      project_id: 'p1',
      user_id: 'u1',
      consumer_type: 'INSTANCE',
    },
    {
      resource_provider: PF0,
      generation: 3,
      resources: { SRIOV_NET_VF: 1 },
      project_id: 'p1',
      user_id: 'u1',
      consumer_type: 'INSTANCE',
    },
  ];
  const byRp = (a: any, b: any) => String(a.resource_provider).localeCompare(String(b.resource_provider));

  await step('allocation set', async () => {
    const rows = await ok(url, [
      'resource provider',
      'allocation',
      'set',
      CONSUMER,
      '--allocation',
      `rp=${PF0},SRIOV_NET_VF=1`,
      '--allocation',
      `rp=${HOST},VCPU=1`,
      '--project-id',
      'p1',
      '--user-id',
      'u1',
      '--consumer-type',
      'INSTANCE',
      '-f',
      'json',
    ]);
    assert.deepEqual(rows.sort(byRp), allocationRows);
  });

  await step('allocation show and usage show', async () => {
    const [rows, usage] = await Promise.all([
      ok(url, ['resource provider', 'allocation', 'show', CONSUMER, '-f', 'json']),
      ok(url, ['resource provider', 'usage', 'show', PF0, '-f', 'json']),
    ]);
    assert.deepEqual(rows.sort(byRp), allocationRows);
    assert.deepEqual(usage, [{ resource_class: 'SRIOV_NET_VF', usage: 1 }]);
  });

  await step('allocation set over capacity is refused', async () => {
    const [over, none] = await Promise.all([
      openstack(url, [
        'resource provider',
        'allocation',
        'set',
        OTHER_CONSUMER,
        '--allocation',
        `rp=${PF0},SRIOV_NET_VF=7`,
        '--project-id',
        'p1',
        '--user-id',
        'u1',
        '--consumer-type',
        'INSTANCE',
        '-f',
        'json',
      ]),
      ok(url, [
        'allocation candidate',
        'list',
        '--resource',
        'SRIOV_NET_VF=7',
        '--required',
        'CUSTOM_PHYSNET_PUBLIC',
        '-f',
        'json',
      ]),
    ]);
    assert.equal(over.status, 1);
    assert.match(
      over.stderr,
      new RegExp(
        `Unable to create allocation for 'SRIOV_NET_VF' on resource provider '${PF0}'\\. ` +
          'The requested amount would exceed the capacity\\. \\(HTTP 409\\)',
      ),
    );
    assert.deepEqual(none, []);
  });

  await step('resource provider delete', async () => {
    const parent = await openstack(url, ['resource provider', 'delete', HOST]);
    assert.equal(parent.status, 1);
    assert.match(
      parent.stderr,
      /Unable to delete parent resource provider .*: It has child resource providers\. \(HTTP 409\)/,
    );
    await ok(url, ['resource provider', 'allocation', 'delete', CONSUMER]);
    await Promise.all([ok(url, ['resource provider', 'delete', PF0]), ok(url, ['resource provider', 'delete', PF1])]);
    await ok(url, ['resource provider', 'delete', HOST]);
    assert.deepEqual(await ok(url, ['resource provider', 'list', '-f', 'json']), []);
  });
}

test('osc-placement CLI against vfnet', async (t) => {
  const deps = await ensureDeps(paths.root, ['openstack']);
  if (!deps.ok) {
    t.skip(deps.skip);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'vfnet-osc-'));
  const server = await startVfnet({ serverJs: paths.serverJs, db: join(dir, 'vfnet.db') });
  try {
    await scenario(t, server, true);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('osc-placement CLI against real Placement 8.0.0 (VFNET_API_PEER=1)', {
  skip: !withPeer && 'set VFNET_API_PEER=1 to check the scenario against the peer',
}, async (t) => {
  const deps = await ensureDeps(paths.root, ['openstack', 'peer']);
  if (!deps.ok) {
    t.skip(deps.skip);
    return;
  }
  const server = await startPeer({ gabbiDir: paths.gabbiDir });
  try {
    await scenario(t, server, false);
  } finally {
    await server.stop();
  }
});
