// The sriov plugin driven by podman 4.3.1 (CNI backend, libcni 1.1.2) on the simulated SR-IOV
// host. podman execs VERSION before ADD and DEL, passes runtimeConfig (mac) to plugins that
// declare the capability, and DELs on container removal; the lab's switch enforces VLANs, so
// pings between containers show the VF really is the container's eth0 on the right VLAN.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { type TestContext, test } from 'node:test';
import { formatResult, type RunResult } from '../support/exec.js';
import { labFor, type TestLab } from '../support/lab.js';
import { getLink, listLinks } from '../support/netns.js';
import { Podman } from '../support/podman.js';
import { type Scratch, scratchFor } from '../support/scratch.js';

const SUBNET = '10.250.2.0/24';

async function setup(t: TestContext) {
  const s = scratchFor(t, 'vfnet-podman');
  const lab = labFor(s, { pfs: 1, vfsPerPf: 4 });
  const podman = await Podman.create(s, { env: lab.env });
  const image = await podman.importBusybox();
  return { s, lab, podman, image };
}

/** A 1.0.0 conflist (what `podman network create` writes) with one sriov plugin on the lab's PF. */
function network(
  s: Scratch,
  lab: TestLab,
  name: string,
  plugin: Record<string, unknown>,
  range: { rangeStart: string; rangeEnd: string },
) {
  return {
    cniVersion: '1.0.0',
    name,
    plugins: [
      {
        type: 'sriov',
        master: lab.pf(0).name,
        // podman only warns when a DEL fails; the plugin's own log says why.
        logLevel: 'debug',
        logFile: s.path('sriov.log'),
        ...plugin,
        ipam: { type: 'host-local', dataDir: s.path('ipam'), ranges: [[{ subnet: SUBNET, ...range }]] },
      },
    ],
  };
}

function ok(r: RunResult): string {
  assert.equal(r.status, 0, formatResult(r));
  return r.stdout.trim();
}

function pluginLog(s: Scratch): string {
  try {
    return readFileSync(s.path('sriov.log'), 'utf8').split('\n').slice(-40).join('\n');
  } catch {
    return '(no plugin log)';
  }
}

/**
 * Removes a container and checks podman's teardown went cleanly: podman logs a failed CNI DEL as
 * a warning and still exits 0, so its stderr is where a broken DEL shows.
 */
async function remove(s: Scratch, podman: Podman, name: string, how: 'rm -f' | 'stop, rm'): Promise<void> {
  const steps =
    how === 'rm -f'
      ? [['rm', '-f', '-t', '0', name]]
      : [
          ['stop', '-t', '0', name],
          ['rm', name],
        ];
  for (const args of steps) {
    const r = await podman.podman(args);
    ok(r);
    assert.doesNotMatch(
      r.stderr,
      /error|fail/i,
      `teardown of ${name}: ${formatResult(r)}\nplugin log:\n${pluginLog(s)}`,
    );
  }
}

/** The lab as before, or a failure that carries the plugin's log. */
async function assertRestored(
  s: Scratch,
  lab: TestLab,
  before: Awaited<ReturnType<TestLab['snapshot']>>,
): Promise<void> {
  assert.deepEqual(await lab.snapshot(), before, `lab not restored; plugin log:\n${pluginLog(s)}`);
}

/** The container's address on `net`, as podman recorded it from the plugin's result. */
async function podmanIp(podman: Podman, container: string, net: string): Promise<string> {
  return ok(
    await podman.podman(['inspect', container, '--format', `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`]),
  );
}

async function hostIfindexes(): Promise<Map<number, string>> {
  return new Map((await listLinks(null)).map((l) => [l.ifindex, l.ifname]));
}

test('podman: a container on a sriov network has the VF as eth0, with the configured MAC and the IPAM address', async (t) => {
  const { s, lab, podman, image } = await setup(t);
  const mac = '02:5a:00:00:10:01';
  podman.writeConflist(
    network(s, lab, 'sriov-a', { mac, vlan: 10 }, { rangeStart: '10.250.2.10', rangeEnd: '10.250.2.19' }),
  );
  const before = await lab.snapshot();
  const ifindexes = await hostIfindexes();

  ok(await podman.podman(['run', '-d', '--name', 'c1', '--network', 'sriov-a', image, 'sleep', '600']));
  // Which VF podman's ADD took: the one whose netdev left the host.
  const taken = lab.show().vfs.filter((v) => v.netdev === null);
  assert.equal(taken.length, 1, JSON.stringify(taken));
  const vf = lab.info.vfs.find((v) => v.pci === taken[0]!.pci)!;
  assert.equal(await getLink(null, vf.netdev), null);

  // From inside the container: eth0 is that very netdev (a moved netdev keeps its ifindex),
  // with the configured MAC, up, and holding the address podman got from the result.
  const ifindex = Number(ok(await podman.podman(['exec', 'c1', 'cat', '/sys/class/net/eth0/ifindex'])));
  assert.equal(ifindexes.get(ifindex), vf.netdev, `eth0 (ifindex ${ifindex}) is not the VF netdev ${vf.netdev}`);
  assert.equal(ok(await podman.podman(['exec', 'c1', 'cat', '/sys/class/net/eth0/address'])), mac);
  assert.match(ok(await podman.podman(['exec', 'c1', 'cat', '/sys/class/net/eth0/operstate'])), /^(up|unknown)$/);
  const ip = await podmanIp(podman, 'c1', 'sriov-a');
  assert.match(ip, /^10\.250\.2\.1\d$/);
  const inside = ok(await podman.podman(['exec', 'c1', 'ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']));
  assert.match(inside, new RegExp(`inet ${ip.replace(/\./g, '\\.')}/24 `), inside);
  assert.equal(lab.show().vfs.find((v) => v.pci === vf.pci)!.vlan, 10);

  // rm -f: podman stops the container and tears its network down in the same process.
  await remove(s, podman, 'c1', 'rm -f');
  await assertRestored(s, lab, before);
  assert.ok(await getLink(null, vf.netdev), `${vf.netdev} is not back in the host`);
});

test('podman: containers on one VLAN ping each other, a container on another VLAN is unreachable', async (t) => {
  const { s, lab, podman, image } = await setup(t);
  // One subnet for both VLANs, disjoint ranges: only the switch (VLAN) can keep them apart.
  const withMac = { capabilities: { mac: true } };
  podman.writeConflist(
    network(s, lab, 'vlan10', { ...withMac, vlan: 10 }, { rangeStart: '10.250.2.10', rangeEnd: '10.250.2.19' }),
  );
  podman.writeConflist(
    network(s, lab, 'vlan20', { ...withMac, vlan: 20 }, { rangeStart: '10.250.2.20', rangeEnd: '10.250.2.29' }),
  );
  const before = await lab.snapshot();
  const containers = [
    { name: 'a', net: 'vlan10', mac: '02:5a:00:00:11:0a' },
    { name: 'b', net: 'vlan10', mac: '02:5a:00:00:11:0b' },
    { name: 'c', net: 'vlan20', mac: '02:5a:00:00:11:0c' },
  ];
  for (const c of containers) {
    ok(
      await podman.podman([
        'run',
        '-d',
        '--name',
        c.name,
        '--network',
        c.net,
        '--mac-address',
        c.mac,
        image,
        'sleep',
        '600',
      ]),
    );
  }
  const ips: Record<string, string> = {};
  for (const c of containers) {
    ips[c.name] = await podmanIp(podman, c.name, c.net);
    // runtimeConfig.mac (from --mac-address) reached the plugin and won.
    assert.equal(ok(await podman.podman(['exec', c.name, 'cat', '/sys/class/net/eth0/address'])), c.mac);
  }
  assert.equal(new Set(Object.values(ips)).size, 3, JSON.stringify(ips));
  assert.equal(lab.show().vfs.filter((v) => v.netdev === null).length, 3);

  // One echo each; ARP and the bridges' learning may lose a first packet, so the reachable
  // case gets a few tries (each returns at its first answer).
  const ping = (from: string, to: string) => podman.podman(['exec', from, 'ping', '-c', '1', '-W', '1', ips[to]!]);
  let ab = await ping('a', 'b');
  for (let i = 0; i < 3 && ab.status !== 0; i++) ab = await ping('a', 'b');
  assert.equal(ab.status, 0, `a cannot reach b on the same VLAN: ${formatResult(ab)}`);
  const ac = await ping('a', 'c');
  assert.notEqual(ac.status, 0, `a reached c across VLANs: ${formatResult(ac)}`);
  const cb = await ping('c', 'b');
  assert.notEqual(cb.status, 0, `c reached b across VLANs: ${formatResult(cb)}`);

  // stop, then rm: the teardown (CNI DEL) runs when the container stops, as on a normal shutdown
  // (conmon's cleanup podman does it: see the engine env in test/support/podman.ts).
  for (const c of containers) await remove(s, podman, c.name, 'stop, rm');
  await assertRestored(s, lab, before);
});
