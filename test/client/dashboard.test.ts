// The dashboard in a real browser: Debian's chromium, driven by playwright-core, against a real
// `vfnet serve` (static-token auth, random tokens) with the simulated SR-IOV host registered by
// `vfnet agent`, and the real plugin run by cnitool in a network namespace. The page renders the
// lab's trees; a plugin ADD shows in the PF's usage and holders within a second (the behaviour
// under test, polled in the DOM), DEL takes it away; the candidates form with can_split marks
// the PFs on the trees; Placement's own error text shows for a bad query; wrong and role-less
// tokens are refused (401, 403) by every data endpoint and the page says so. Screenshots at
// 1280x800 go to docs/images/, for docs/user-guide.md.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { type RunningServer, startVfnet } from '../api/support/servers.js';
import { Cnitool, cnitoolContainerId } from '../support/cnitool.js';
import { formatResult, run } from '../support/exec.js';
import { labFor, type TestLab } from '../support/lab.js';
import { createNetns } from '../support/netns.js';
import { REPO_ROOT } from '../support/paths.js';
import { Scratch } from '../support/scratch.js';
import { recordLog, recordResponse, recordSecret } from '../support/secret-audit.js';

const CHROMIUM = '/usr/bin/chromium';

/**
 * Debian's chromium, headless, with a fresh profile of its own (playwright passes it as
 * --user-data-dir) and none of its background connections, which this closed network refuses.
 */
function launchChromium(profile: string, viewport?: { width: number; height: number }): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    ...(viewport ? { viewport } : {}),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
const IMAGES = join(REPO_ROOT, 'docs', 'images');
const VFNET = join(REPO_ROOT, 'dist', 'bin', 'vfnet');
const HOSTNAME = 'compute-0';
const randomToken = () => `t${randomBytes(20).toString('hex')}`;
const ADMIN = randomToken();
const MEMBER = randomToken();
const WRONG = randomToken();
const INSTANCE = randomUUID();
const H = { 'openstack-api-version': 'placement 1.39', accept: 'application/json' };

/** Polls `fn` in the page until it is true or `ms` have passed; the time it took, or null. */
async function within(page: Page, ms: number, fn: () => Promise<boolean>): Promise<number | null> {
  const t0 = Date.now();
  for (;;) {
    if (await fn()) return Date.now() - t0;
    if (Date.now() - t0 > ms) return null;
    await page.waitForTimeout(25);
  }
}

describe('the dashboard in chromium', { timeout: 300_000 }, () => {
  const s = new Scratch('vfnet-dash');
  let lab: TestLab;
  let server: RunningServer;
  let context: BrowserContext;
  let page: Page;
  let tool: Cnitool;
  let ns: { name: string; path: string };
  let net: string;
  const pageErrors: string[] = [];
  const pfUuid: Record<string, string> = {};

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const r = await fetch(`${server.url}${path}`, { headers: { ...H, ...headers } });
    recordResponse(`GET ${path}`, r.status, await r.clone().text());
    return r;
  };

  const vfBar = (pf: string) => page.locator(`[data-uuid="${pfUuid[pf]}"] > .bar-row[data-class="SRIOV_NET_VF"]`);
  const usedOn = async (pf: string) => Number(await vfBar(pf).getAttribute('data-used'));

  before(async () => {
    recordSecret('dashboard static token admin', ADMIN);
    recordSecret('dashboard static token member', MEMBER);
    recordSecret('dashboard wrong token', WRONG);
    lab = labFor(s, { pfs: 2, vfsPerPf: 4, physnets: ['public', 'intranet'] });
    writeFileSync(
      s.path('tokens.yaml'),
      [
        'tokens:',
        `  - {token: ${ADMIN}, user: ops, project: admin-project, roles: [admin, member, reader]}`,
        `  - {token: ${MEMBER}, user: bob, project: project-b, roles: [member]}`,
        '',
      ].join('\n'),
    );
    // The plugin claims in its node store, which is this service's file (as `npm start` sets up).
    server = await startVfnet({
      serverJs: join(REPO_ROOT, 'dist', 'src', 'bin', 'placement-dev.js'),
      db: lab.db,
      extraArgs: ['--auth', 'token', '--token-file', s.path('tokens.yaml')],
    });
    const physnets = lab.info.pfs.flatMap((pf) => ['--physnet', `${pf.name}=${pf.physnet}`]);
    const agent = await run(
      process.execPath,
      [
        VFNET,
        'agent',
        '--placement',
        server.url,
        '--once',
        '--no-sweep',
        '--sysfs-root',
        lab.dir,
        '--hostname',
        HOSTNAME,
        ...physnets,
      ],
      { env: { VFNET_TOKEN: ADMIN }, timeoutMs: 60_000 },
    );
    recordLog('dashboard-agent', `${agent.stdout}\n${agent.stderr}`);
    assert.equal(agent.status, 0, formatResult(agent));
    const providers = (await (await get('/resource_providers', { 'x-auth-token': ADMIN })).json()) as {
      resource_providers: { uuid: string; name: string }[];
    };
    for (const pf of lab.info.pfs) {
      const p = providers.resource_providers.find((r) => r.name === `${HOSTNAME}_${pf.name}`);
      assert.ok(p, `the agent registered ${pf.name}`);
      pfUuid[pf.physnet] = p.uuid;
    }

    // What a cloud adds beside the plugin: a reserved VF on intranet, and a Nova-style instance
    // holding host resources and one intranet VF.
    const inv = (await (
      await get(`/resource_providers/${pfUuid.intranet}/inventories`, { 'x-auth-token': ADMIN })
    ).json()) as { resource_provider_generation: number; inventories: Record<string, Record<string, number>> };
    const put = async (path: string, body: unknown) => {
      const r = await fetch(`${server.url}${path}`, {
        method: 'PUT',
        headers: { ...H, 'content-type': 'application/json', 'x-auth-token': ADMIN },
        body: JSON.stringify(body),
      });
      recordResponse(`PUT ${path}`, r.status, await r.clone().text());
      assert.ok(r.status < 300, `PUT ${path}: ${r.status} ${await r.text()}`);
    };
    await put(`/resource_providers/${pfUuid.intranet}/inventories`, {
      resource_provider_generation: inv.resource_provider_generation,
      inventories: { SRIOV_NET_VF: { ...inv.inventories.SRIOV_NET_VF, reserved: 1 } },
    });
    const host = providers.resource_providers.find((r) => r.name === HOSTNAME)!;
    await put(`/allocations/${INSTANCE}`, {
      allocations: {
        [host.uuid]: { resources: { VCPU: 1, MEMORY_MB: 2048 } },
        [pfUuid.intranet!]: { resources: { SRIOV_NET_VF: 1 } },
      },
      project_id: 'project-b',
      user_id: 'bob',
      consumer_generation: null,
      consumer_type: 'INSTANCE',
    });

    tool = new Cnitool(s, { env: { ...lab.env, VFNET_DB: lab.db, VFNET_HOSTNAME: HOSTNAME } });
    ns = await createNetns(s);
    net = s.name('dash');
    tool.writeConflist({
      cniVersion: '1.0.0',
      name: net,
      plugins: [
        {
          type: 'sriov',
          physnet: 'public',
          vlan: 100,
          ipam: { type: 'host-local', dataDir: s.path('ipam'), ranges: [[{ subnet: '10.250.7.0/24' }]] },
        },
      ],
    });

    context = await launchChromium(s.mkdir('chromium-profile'), { width: 1280, height: 800 });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    mkdirSync(IMAGES, { recursive: true });
  });

  after(async () => {
    await context?.close();
    if (ns) await tool?.del(net, ns.path);
    const log = server?.log() ?? '';
    await server?.stop();
    await s.dispose();
    for (const t of [ADMIN, MEMBER, WRONG]) assert.equal(log.includes(t), false, 'a token in the server log');
    assert.deepEqual(pageErrors, [], 'errors in the page');
  });

  it('serves the page shell without a token, with a strict CSP and nosniff', async () => {
    const r = await fetch(`${server.url}/dashboard`);
    assert.equal(r.status, 200);
    const csp = r.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    const html = await r.text();
    assert.doesNotMatch(html, /<script>|<script [^>]*>[^<]|<style|style="|\son\w+="/, 'no inline script or style');
    for (const asset of ['/dashboard/app.js', '/dashboard/app.css']) {
      const a = await fetch(`${server.url}${asset}`);
      assert.equal(a.status, 200, asset);
      assert.equal(a.headers.get('x-content-type-options'), 'nosniff');
    }
  });

  it('refuses every data endpoint without a reader: no token or a wrong one 401, no reader role 403', async () => {
    for (const path of [
      '/dashboard/api/state',
      '/dashboard/api/events',
      '/allocation_candidates?resources=SRIOV_NET_VF:1',
    ]) {
      assert.equal((await get(path)).status, 401, `${path} without a token`);
      const wrong = await get(path, { 'x-auth-token': WRONG });
      assert.equal(wrong.status, 401, `${path} with a wrong token`);
      assert.equal((await wrong.text()).includes(WRONG), false);
      const member = await get(path, { 'x-auth-token': MEMBER });
      assert.equal(member.status, 403, `${path} with a member's token`);
      const e = (
        (await member.json()) as {
          errors: { status: number; title: string; detail: string; code: string; request_id: string }[];
        }
      ).errors[0]!;
      assert.equal(e.title, 'Forbidden');
      assert.match(e.detail, /Policy does not allow placement:\S+ to be performed\./);
      assert.equal(e.code, 'placement.undefined_code');
      assert.match(e.request_id, /^req-/);
    }
  });

  it("renders the lab's tree: host, NIC, PFs with their traits and VF bars", async () => {
    await page.goto(`${server.url}/dashboard`);
    await page.fill('#token', ADMIN);
    await page.click('#token-form button[type=submit]');
    await page.locator('[data-kind="pf"]').nth(1).waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('[data-kind="host"]').getAttribute('data-name'), HOSTNAME);
    const nic = page.locator('[data-kind="nic"]');
    assert.equal(await nic.count(), 1);
    assert.match((await nic.getAttribute('data-name'))!, new RegExp(`^${HOSTNAME}_nic_`));
    for (const pf of lab.info.pfs) {
      const node = page.locator(`[data-kind="pf"][data-uuid="${pfUuid[pf.physnet]}"]`);
      assert.equal(await node.getAttribute('data-name'), `${HOSTNAME}_${pf.name}`);
      const traits = await node.locator(':scope > .traits .trait').allTextContents();
      assert.ok(traits.includes(`CUSTOM_PHYSNET_${pf.physnet.toUpperCase()}`), traits.join(' '));
      assert.equal(await vfBar(pf.physnet).getAttribute('data-total'), '4');
    }
    assert.equal(await usedOn('public'), 0);
    assert.equal(await usedOn('intranet'), 1);
    assert.match((await vfBar('intranet').textContent())!, /1 \/ 4 used, 1 reserved/);
    // The instance, by its uuid, on the PF and on the host.
    for (const where of [pfUuid.intranet, await page.locator('[data-kind="host"]').getAttribute('data-uuid')]) {
      const li = page.locator(`[data-uuid="${where}"] > .holders li[data-consumer="${INSTANCE}"]`);
      assert.equal(await li.getAttribute('data-kind'), 'instance');
      assert.match((await li.textContent())!, new RegExp(`instance${INSTANCE}`));
    }
    assert.equal(await page.getAttribute('#status', 'data-state'), 'live');
    // The token went as a header, never into the page's address.
    assert.equal(page.url().includes(ADMIN), false);
  });

  it('a plugin ADD shows in the PF usage and its holders within a second; DEL takes it away', async (t) => {
    const add = await tool.add(net, ns.path);
    assert.equal(add.status, 0, formatResult(add));
    const container = cnitoolContainerId(ns.path);
    const holder = page.locator(`[data-uuid="${pfUuid.public}"] li[data-container="${container}"]`);
    const shown = await within(page, 1000, async () => (await usedOn('public')) === 1 && (await holder.count()) === 1);
    assert.ok(shown !== null, 'the ADD is not on the page within 1 s');
    t.diagnostic(`ADD on the page ${shown} ms after cnitool returned`);
    const text = await holder.textContent();
    assert.match(text!, new RegExp(`network ${net}`));
    assert.match(text!, /eth0/);
    assert.match(text!, /VF \S+/);
    assert.equal(await usedOn('intranet'), 1, 'the instance alone');
    await page.screenshot({ path: join(IMAGES, 'dashboard-trees.png') });

    const del = await tool.del(net, ns.path);
    assert.equal(del.status, 0, formatResult(del));
    const gone = await within(page, 1000, async () => (await usedOn('public')) === 0 && (await holder.count()) === 0);
    assert.ok(gone !== null, 'the DEL is not on the page within 1 s');
    t.diagnostic(`DEL on the page ${gone} ms after cnitool returned`);
  });

  it('the candidates form: no single PF fits 5 VFs, can_split spreads them over both, marked on the trees', async () => {
    // One VF held on public again: 3 free there, and 2 on intranet (4, one reserved, one the instance's).
    const add = await tool.add(net, ns.path);
    assert.equal(add.status, 0, formatResult(add));
    await within(page, 1000, async () => (await usedOn('public')) === 1);
    await page.fill('input[name=resources]', 'SRIOV_NET_VF:5');
    await page.fill('input[name=canSplit]', '');
    await page.click('#candidates-form button[type=submit]');
    await page.locator('#candidates-none').waitFor({ timeout: 5000 });

    await page.fill('input[name=canSplit]', 'SRIOV_NET_VF');
    await page.click('#candidates-form button[type=submit]');
    await page.locator('#candidates-list li').first().waitFor({ timeout: 5000 });
    const direct = (await (
      await get('/allocation_candidates?resources=SRIOV_NET_VF:5&can_split=SRIOV_NET_VF', { 'x-auth-token': ADMIN })
    ).json()) as { allocation_requests: unknown[] };
    assert.equal(direct.allocation_requests.length, 1, 'the one way: 3 + 2');
    assert.equal(await page.locator('#candidates-list li').count(), 1);
    for (const physnet of ['public', 'intranet']) {
      const node = page.locator(`[data-uuid="${pfUuid[physnet]}"]`);
      assert.match((await node.getAttribute('class'))!, /\bmarked\b/, `${physnet} is marked`);
      const badges = await node.locator(':scope > .node-head .badge').allTextContents();
      assert.deepEqual(badges, [physnet === 'public' ? '#1 VF×3' : '#1 VF×2']);
    }
    await page.screenshot({ path: join(IMAGES, 'dashboard-candidates.png') });

    // A bad query: Placement's own words, as the API answers them.
    await page.fill('input[name=resources]', 'SRIOV_NET_VF:two');
    await page.click('#candidates-form button[type=submit]');
    await page.locator('#candidates-error').waitFor({ timeout: 5000 });
    const bad = await get('/allocation_candidates?resources=SRIOV_NET_VF%3Atwo&can_split=SRIOV_NET_VF', {
      'x-auth-token': ADMIN,
    });
    assert.equal(bad.status, 400);
    const detail = ((await bad.json()) as { errors: { detail: string }[] }).errors[0]!.detail;
    const shown = (await page.textContent('#candidates-error'))!;
    assert.ok(shown.includes('400') && shown.includes(detail.split('\n')[0]!), `${shown} vs ${detail}`);
    assert.equal(await page.locator('.marked').count(), 0, 'a refused query marks nothing');
    const del = await tool.del(net, ns.path);
    assert.equal(del.status, 0, formatResult(del));
  });

  it('the page shows the refusal of a wrong token (401) and of a token without a reader (403)', async () => {
    for (const [token, status] of [
      [WRONG, 401],
      [MEMBER, 403],
    ] as const) {
      const p = await context.newPage();
      p.on('pageerror', (e) => pageErrors.push(String(e)));
      await p.goto(`${server.url}/dashboard`);
      await p.fill('#token', token);
      await p.click('#token-form button[type=submit]');
      // The page asked once without a token on load (401): wait for the answer to this token.
      await p.locator('#status', { hasText: `refused (${status})` }).waitFor({ timeout: 5000 });
      assert.match((await p.textContent('#refusal'))!, new RegExp(`refused .*${status}`));
      assert.equal(await p.getAttribute('#status', 'data-state'), 'refused');
      assert.equal(await p.locator('[data-kind]').count(), 0, 'no data shown');
      if (status === 401) await p.screenshot({ path: join(IMAGES, 'dashboard-refused.png') });
      await p.close();
    }
  });
});

describe('the dashboard of a noauth2 service (as npm start runs it)', { timeout: 120_000 }, () => {
  it('just works: no token to type, the page is live', async (t) => {
    const s = new Scratch('vfnet-dash-noauth');
    t.after(() => s.dispose());
    const server = await startVfnet({
      serverJs: join(REPO_ROOT, 'dist', 'src', 'bin', 'placement-dev.js'),
      db: s.path('v.db'),
    });
    t.after(() => server.stop());
    const context = await launchChromium(s.mkdir('chromium-profile'));
    t.after(() => context.close());
    const page = await context.newPage();
    await page.goto(`${server.url}/dashboard`);
    await page.locator('#status[data-state="live"]').waitFor({ timeout: 10_000 });
    assert.match((await page.textContent('#trees'))!, /No resource providers yet/);
  });
});
