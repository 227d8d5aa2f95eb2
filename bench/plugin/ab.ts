// Before/after for the plugin (docs/benchmarks.md "Plugin"): ADD then DEL by direct exec of
// several `sriov` builds and of Debian's host-device on the simulated host, in one run, rotating
// the order every iteration: wall time untraced, then each ADD and DEL once more under
// `perf stat -e task-clock` for its CPU time (children included: host-local is in every row).
// CPU is what a busy machine does not blur.
//
//   node dist/bench/plugin/ab.js [--n 30] [--settings] BUILD...   (root; perf, host-local)
//   e.g. node dist/bench/plugin/ab.js --n 30 /tmp/sriov-main dist/bin/sriov
import { readFileSync } from 'node:fs';
import { run } from '../../test/support/exec.js';
import { labFor } from '../../test/support/lab.js';
import { createNetns } from '../../test/support/netns.js';
import { DEBIAN_CNI_DIR } from '../../test/support/paths.js';
import { pluginEnv } from '../../test/support/plugin.js';
import { Scratch } from '../../test/support/scratch.js';

interface Subject {
  label: string;
  bin: string;
  env: Record<string, string>;
  conf: Record<string, unknown>;
  netns: string;
  wall: Record<'ADD' | 'DEL', number[]>;
  cpu: Record<'ADD' | 'DEL', number[]>;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? NaN;
};

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let n = 30;
  let settings = false;
  const builds: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--n') n = Number(argv[++i]);
    else if (argv[i] === '--settings') settings = true;
    else builds.push(argv[i]!);
  }
  if (builds.length === 0 || !(n >= 1)) throw new Error('usage: ab.js [--n N] [--settings] BUILD...');
  const s = new Scratch('vfnet-ab');
  const perfOut = s.path('perf.txt');
  try {
    const lab = labFor(s, { pfs: 1, vfsPerPf: builds.length + 1 });
    const ipam = (i: number) => ({
      type: 'host-local',
      dataDir: s.path(`ipam${i}`),
      ranges: [[{ subnet: `10.252.${i}.0/24` }]],
    });
    const extra = settings ? { vlan: 100, spoofchk: 'on', trust: 'off' } : {};
    const specs = [
      {
        label: 'host-device (Go)',
        bin: `${DEBIAN_CNI_DIR}/host-device`,
        env: {},
        conf: { type: 'host-device', device: lab.vf(0, 0).netdev },
      },
      ...builds.map((b, i) => ({
        label: b,
        bin: b,
        env: lab.env,
        conf: {
          type: 'sriov',
          deviceID: lab.vf(0, i + 1).pci,
          ...extra,
          ...(settings ? { mac: `02:5a:00:00:22:0${i}` } : {}),
        },
      })),
    ];
    const subjects: Subject[] = [];
    for (const [i, sp] of specs.entries())
      subjects.push({
        ...sp,
        conf: { cniVersion: '1.0.0', name: `ab-${i}`, ...sp.conf, ipam: ipam(i) },
        netns: (await createNetns(s, 'ab')).path,
        wall: { ADD: [], DEL: [] },
        cpu: { ADD: [], DEL: [] },
      });
    const warmup = 3;
    for (let i = 0; i < n + warmup; i++) {
      const order = subjects.map((_, k) => subjects[(i + k) % subjects.length]!);
      if (i % 2 === 1) order.reverse();
      // Wall time untraced; then the same ADD and DEL again under perf stat for the CPU time
      // (perf's own start would otherwise add ~15 ms to every exec's wall time).
      for (const sub of order)
        for (const traced of [false, true])
          for (const op of ['ADD', 'DEL'] as const) {
            const env = pluginEnv({ command: op, containerId: 'ab', netns: sub.netns, ifname: 'eth0', env: sub.env });
            const [file, args] = traced
              ? ['perf', ['stat', '-x,', '-e', 'task-clock', '-o', perfOut, '--', sub.bin]]
              : [sub.bin, []];
            const r = await run(file as string, args as string[], {
              env,
              cleanEnv: true,
              input: JSON.stringify(sub.conf),
            });
            if (r.status !== 0) throw new Error(`${sub.label} ${op}: ${r.stdout} ${r.stderr}`);
            if (i < warmup) continue;
            if (!traced) sub.wall[op].push(r.ms);
            else sub.cpu[op].push(Number(/^([\d.]+),msec,task-clock/m.exec(readFileSync(perfOut, 'utf8'))?.[1]));
          }
    }
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    console.log(
      `n=${n} per subject after ${warmup} warm-ups${settings ? ', with mac + vlan + spoofchk + trust' : ''}; load ${load}`,
    );
    console.log('| | ADD+DEL wall | ratio | CPU ADD | CPU DEL |\n|---|---|---|---|---|');
    const total = (sub: Subject) => median(sub.wall.ADD.map((a, i) => a + sub.wall.DEL[i]!));
    const base = total(subjects[0]!);
    for (const sub of subjects)
      console.log(
        `| ${sub.label} | ${total(sub).toFixed(1)} ms | ${(total(sub) / base).toFixed(2)}× | ${median(sub.cpu.ADD).toFixed(1)} ms | ${median(sub.cpu.DEL).toFixed(1)} ms |`,
      );
  } finally {
    await s.dispose();
  }
}

await main();
