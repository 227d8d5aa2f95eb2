// `vfnet demo` (what `npm start` runs until the service lands): a simulated SR-IOV host, two
// containers that get VFs on VLAN 100 through the real plugin binary and ping each other, a third
// on VLAN 200 that cannot reach them, then everything given back and checked, and removed.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { type LabInfo, labDown, labShow, labUp } from '../lab/index.js';

interface Container {
  name: string;
  netns: string;
  vlan: number;
  mac: string;
  address?: string;
}

const DEBIAN_PLUGINS = '/usr/lib/cni';

function pluginPath(): string {
  // dist/src/cli/demo.js → dist/bin/sriov
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'sriov');
}

function cni(
  command: string,
  c: Container,
  conf: object,
  env: Record<string, string>,
): { status: number; out: string; err: string } {
  const r = spawnSync(pluginPath(), [], {
    input: JSON.stringify(conf),
    env: {
      ...process.env,
      ...env,
      CNI_COMMAND: command,
      CNI_CONTAINERID: `demo-${c.name}`,
      CNI_NETNS: c.netns,
      CNI_IFNAME: 'eth0',
      CNI_PATH: `${dirname(pluginPath())}:${DEBIAN_PLUGINS}`,
    },
  });
  return { status: r.status ?? 1, out: r.stdout.toString(), err: r.stderr.toString() };
}

/** busybox's ping (Debian's busybox-static), since iputils is not always installed. */
function ping(from: Container, to: Container, attempts: number): boolean {
  const ip = to.address!.split('/')[0]!;
  for (let i = 0; i < attempts; i++) {
    if (
      spawnSync('ip', ['netns', 'exec', from.netns.split('/').pop()!, 'busybox', 'ping', '-c', '1', '-W', '1', ip])
        .status === 0
    )
      return true;
  }
  return false;
}

export async function runDemo(): Promise<void> {
  if (!existsSync(pluginPath())) throw new Error(`${pluginPath()} is missing: run npm run build`);
  if (!existsSync(join(DEBIAN_PLUGINS, 'host-local')))
    throw new Error(`${DEBIAN_PLUGINS}/host-local is missing: run scripts/install-deps.sh`);
  const work = mkdtempSync(join(tmpdir(), 'vfnet-demo-'));
  const dir = join(work, 'lab');
  const state = join(work, 'state');
  const env = { VFNET_SYSFS_ROOT: dir, VFNET_STATE_DIR: state };
  const containers: Container[] = [
    { name: 'a', netns: '', vlan: 100, mac: '02:00:00:00:64:0a' },
    { name: 'b', netns: '', vlan: 100, mac: '02:00:00:00:64:0b' },
    { name: 'c', netns: '', vlan: 200, mac: '02:00:00:00:c8:0c' },
  ];
  let lab: LabInfo | null = null;
  const confFor = (c: Container) => ({
    cniVersion: '1.0.0',
    name: 'demo-sriov',
    type: 'sriov',
    master: lab!.pfs[0]!.name,
    vlan: c.vlan,
    mac: c.mac,
    spoofchk: 'on',
    ipam: { type: 'host-local', dataDir: join(work, 'ipam'), ranges: [[{ subnet: '10.99.0.0/24' }]] },
  });
  try {
    lab = labUp({ dir, prefix: `vd${process.pid % 1000}`, pfs: 2, vfsPerPf: 4, physnets: ['public', 'intranet'] });
    const pf = lab.pfs[0]!;
    console.log(
      `1. Simulated SR-IOV host in ${dir}: PF ${pf.name} (${pf.pci}, physnet ${pf.physnet}) with ${pf.numvfs} VFs, and ${lab.pfs.length - 1} more PF(s).`,
    );
    const before = labShow(dir);
    for (const c of containers) {
      const nsName = `vfnet-demo-${c.name}-${process.pid}`;
      execFileSync('ip', ['netns', 'add', nsName]);
      c.netns = `/var/run/netns/${nsName}`;
    }
    console.log(
      `2. Three containers (network namespaces) ask the sriov plugin for a VF on ${pf.name} ("master": "${pf.name}"):`,
    );
    for (const c of containers) {
      const r = cni('ADD', c, confFor(c), env);
      if (r.status !== 0) throw new Error(`ADD for container ${c.name} failed: ${r.out || r.err}`);
      const result = JSON.parse(r.out) as { interfaces: { mac: string; pciID?: string }[]; ips: { address: string }[] };
      c.address = result.ips[0]!.address;
      console.log(
        `   container ${c.name}: eth0 = a VF, MAC ${result.interfaces[0]!.mac}, ${c.address}, VLAN ${c.vlan}`,
      );
    }
    const [a, b, c] = containers as [Container, Container, Container];
    const ab = ping(a, b, 3),
      ac = ping(a, c, 1);
    console.log(`3. a -> b (same VLAN):      ${ab ? 'ping ok' : 'NO REPLY'}`);
    console.log(`   a -> c (other VLAN):     ${ac ? 'PING GOT THROUGH' : 'no reply, as it should be'}`);
    const during = labShow(dir);
    console.log('4. The emulated NIC switch now holds:');
    for (const vf of during.vfs.filter((v) => v.vlan !== 0))
      console.log(
        `   ${vf.pci}  VF ${vf.index}  vlan ${vf.vlan}  mac ${vf.mac}  spoofchk ${vf.spoofchk ? 'on' : 'off'}  (netdev in a container)`,
      );
    for (const c of containers) {
      const r = cni('DEL', c, confFor(c), env);
      if (r.status !== 0) throw new Error(`DEL for container ${c.name} failed: ${r.out || r.err}`);
    }
    const after = labShow(dir);
    const restored = JSON.stringify(before.vfs) === JSON.stringify(after.vfs);
    console.log(
      `5. DEL gave every VF back: ${restored ? 'all VF settings equal what they were before ADD' : 'SOME VF SETTINGS DIFFER'}.`,
    );
    if (!ab || ac || !restored) throw new Error('the demo did not behave as expected');
    console.log('Next: `vfnet lab up` keeps a lab running; docs/user-guide.md shows cnitool and podman on it.');
  } finally {
    for (const c of containers) if (c.netns) spawnSync('ip', ['netns', 'del', c.netns.split('/').pop()!]);
    if (lab) labDown(dir);
    rmSync(work, { recursive: true, force: true });
  }
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('two containers get VFs on a simulated SR-IOV host and ping; a third on another VLAN cannot')
    .action(runDemo);
}
