// `vfnet start` (what `npm start` runs): the resource service on the embedded SQLite store, this
// host discovered and registered in it — or, on a machine without SR-IOV, a simulated SR-IOV host
// — and the commands a newcomer can try next. It serves until interrupted, then cleans up.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { discover } from '../agent/discover.js';
import { systemHostFacts } from '../agent/host-facts.js';
import { runAgent } from '../agent/loop.js';
import { parsePhysnets } from '../agent/physnet.js';
import { HttpPlacementClient } from '../agent/placement-client.js';
import { renderPass } from '../agent/render.js';
import { labDown, labUp } from '../lab/index.js';
import { openHost } from './host-access.js';
import { serve } from './serve.js';

interface StartOptions {
  listen: string;
  db: string;
  labDir: string;
}

export async function runStart(o: StartOptions): Promise<void> {
  const server = await serve({ listen: o.listen, db: o.db, handleSignals: false, logLevel: 'warn' });
  let labDir: string | null = null;
  try {
    const facts = systemHostFacts();
    let sysfsRoot = '/';
    let physnets: string[] = [];
    const real = discover(openHost('/').sysfs, facts, parsePhysnets([]));
    if (!real.providers.some((p) => p.kind === 'pf')) {
      const lab = labUp({ dir: o.labDir, prefix: 'vfl', pfs: 2, vfsPerPf: 7, physnets: ['public', 'intranet'] });
      labDir = lab.dir;
      sysfsRoot = lab.dir;
      physnets = lab.pfs.map((pf) => `${pf.name}=${pf.physnet}`);
      console.log(
        `This machine has no SR-IOV PF, so a simulated SR-IOV host stands in: ${lab.pfs.map((pf) => `${pf.name} (${pf.physnet}, ${pf.numvfs} VFs)`).join(', ')}.`,
      );
    }
    const host = openHost(sysfsRoot);
    const code = await runAgent({
      discover: () => discover(host.sysfs, facts, parsePhysnets(physnets)),
      // Its own server, on loopback in noauth2 mode, where the token names the caller.
      api: new HttpPlacementClient(server.url, { token: 'admin' }),
      once: true,
      intervalMs: 0,
      sleep: async () => {},
      signal: new AbortController().signal,
      onPass: (r) => {
        for (const line of renderPass(r)) console.log(`  ${line}`);
      },
    });
    if (code === 1) throw new Error('registering the host failed (see above)');
    printNextSteps(server.url, facts.hostname, labDir, o.db, await publicPfs(server.url));
    await untilInterrupted();
  } finally {
    await server.close();
    if (labDir) labDown(labDir);
  }
}

/** The providers a `physnet: public` VF can come from: the PFs whose usage the demo shows. */
async function publicPfs(url: string): Promise<{ name: string; uuid: string }[]> {
  const res = await fetch(`${url}/resource_providers?resources=SRIOV_NET_VF:1&required=CUSTOM_PHYSNET_PUBLIC`, {
    headers: { 'x-auth-token': 'admin', 'openstack-api-version': 'placement 1.39', accept: 'application/json' },
  });
  if (!res.ok) throw new Error(`listing the physnet public PFs: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { resource_providers: { name: string; uuid: string }[] };
  return body.resource_providers.map(({ name, uuid }) => ({ name, uuid }));
}

/**
 * What a newcomer can try next. Every line indented by two spaces after "Try, in another shell:"
 * is a command (a trailing backslash continues it on the next line), meant to be pasted as it
 * is, in order: test/client/start.test.ts runs each one and checks its answer, so nothing may be
 * printed here that `npm start` has not installed (scripts/install-deps.sh demo) or set up.
 */
function printNextSteps(
  url: string,
  hostname: string,
  labDir: string | null,
  db: string,
  pfs: { name: string; uuid: string }[],
): void {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  const data = dirname(resolve(db));
  const netd = join(data, 'net.d');
  mkdirSync(netd, { recursive: true });
  const conflist = (name: string, extra: Record<string, unknown>) =>
    writeFileSync(
      join(netd, `${name}.conflist`),
      `${JSON.stringify(
        {
          cniVersion: '1.0.0',
          name,
          plugins: [
            {
              type: 'sriov',
              physnet: 'public',
              vlan: 100,
              ...extra,
              ipam: { type: 'host-local', subnet: '10.56.217.0/24', dataDir: join(data, 'ipam') },
            },
          ],
        },
        null,
        2,
      )}\n`,
    );
  // No "placement": the plugin claims in its embedded store, which VFNET_DB points at this
  // service's own file, so the service shows the plugin's claims as they happen.
  conflist('vfnet-physnet', {});
  conflist('vfnet-physnet-http', { placement: { url } });
  const osc = `openstack --os-auth-type admin_token --os-token admin --os-endpoint ${url} --os-placement-api-version 1.39`;
  // The plugin's node state (which VF each container holds) sits with the store, so a new
  // --db starts from nothing and two demos never share it. VFNET_TOKEN: the plugin's token for
  // vfnet-physnet-http; this service runs noauth2 on loopback.
  const env = [
    `VFNET_HOSTNAME=${hostname}`,
    `VFNET_STATE_DIR=${join(data, 'cni-state')}`,
    `VFNET_DB=${resolve(db)}`,
    'VFNET_TOKEN=admin',
    ...(labDir ? [`VFNET_SYSFS_ROOT=${labDir}`] : []),
  ].join(' ');
  const cnitool = join(process.env.VFNET_TOOLS ?? '/var/tmp/vfnet-tools', 'bin', 'cnitool');
  const cni = (verb: string) => `  ${env} CNI_PATH=${root}/dist/bin:/usr/lib/cni NETCONFPATH=${netd} \\
    ${cnitool} ${verb} vfnet-physnet /var/run/netns/vfnet-demo1`;
  const usage = pfs.map((pf) => `  ${osc} resource provider usage show ${pf.uuid}`).join('\n');
  console.log(`
vfnet serve is listening on ${url} (store: ${db}; auth noauth2 on loopback: the x-auth-token
names the caller, and "admin" is an admin); this host is registered in it.
Dashboard (every tree, PF and holder, live; in a browser): ${url}/dashboard
Physnet public is on ${pfs.map((pf) => `${pf.name} (${pf.uuid})`).join(', ') || 'no PF: the container steps below will fail'}.

Try, in another shell:
  ${osc} resource provider list
  ${osc} allocation candidate list --resource SRIOV_NET_VF=1 --required CUSTOM_PHYSNET_PUBLIC
  curl -s -H 'x-auth-token: admin' -H 'openstack-api-version: placement 1.39' \\
    '${url}/allocation_candidates?resources=SRIOV_NET_VF:2&can_split=SRIOV_NET_VF'
  ip netns add vfnet-demo1
${cni('add')}
${usage}
${cni('del')}
${usage}
  ip netns del vfnet-demo1

That is: the providers; where one VF on physnet public fits; where two VFs fit, split across PFs
if need be (can_split);
a container (a network namespace) given a VF on physnet public by the plugin, which claims it in
the embedded store (this service's file) so the PF's usage shows it; the VF given back.
vfnet-physnet-http in ${netd} claims through the service's URL instead.
(cnitool, openstack and curl were installed by scripts/install-deps.sh demo.)
Ctrl-C stops the service${labDir ? ' and removes the simulated host' : ''}.`);
}

function untilInterrupted(): Promise<void> {
  return new Promise((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description(
      'the main job: vfnet serve on the embedded store, this host (or a simulated one) registered, and what to try next',
    )
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:8778')
    .option('--db <path>', 'SQLite file of the embedded store', './data/vfnet.db')
    .option('--lab-dir <dir>', 'where the simulated host goes when this machine has no SR-IOV', '/run/vfnet-lab')
    .action((o: StartOptions) => runStart(o));
}
