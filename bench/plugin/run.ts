// The plugin benchmark (design §9): how the `sriov` executable compares with a Go CNI plugin
// doing the same job on the same machine in the same run.
//
//   (a) ADD+DEL through cnitool 1.1.2 on the simulated host: Debian's Go `host-device` moving a lab
//       VF netdev (a veth) into a netns vs `sriov` with `deviceID` moving another lab VF, both with
//       host-local IPAM. Interleaved (ABBA), so load from other processes hits both alike; the
//       ratio also per round and by blocks of 10 rounds, since the VM's speed drifts by the minute.
//   (b) cold start: VERSION of dist/bin/sriov vs /usr/lib/cni/host-device, with hyperfine in
//       alternating rounds.
//   (c) where sriov's ADD time goes: strace -f of direct ADDs (process start, `ip` execs, IPAM
//       exec, the plugin's own work).
//   (d) the bundle's evaluation per command: VFNET_TRACE_TIMINGS phase marks of each command
//       (failing right after composing, so no host change), against an empty compiled Bun program.
//
//   npm run bench:plugin                         (n=40 per plugin)
//   node dist/bench/plugin/run.js --n 60 --json out.json
//
// Needs root, cnitool (scripts/install-deps.sh), hyperfine and strace. Prints a Markdown report.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Cnitool } from '../../test/support/cnitool.js';
import { formatResult, run, runOk } from '../../test/support/exec.js';
import { labFor, type TestLab } from '../../test/support/lab.js';
import { createNetns } from '../../test/support/netns.js';
import { DEBIAN_CNI_DIR, SRIOV_BIN } from '../../test/support/paths.js';
import { pluginEnv } from '../../test/support/plugin.js';
import { Scratch } from '../../test/support/scratch.js';

const HOST_DEVICE = `${DEBIAN_CNI_DIR}/host-device`;

interface Args {
  n: number;
  warmup: number;
  versionRuns: number;
  straceRuns: number;
  json: string | null;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { n: 40, warmup: 5, versionRuns: 200, straceRuns: 15, json: null };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--n':
        a.n = Number(v);
        i++;
        break;
      case '--warmup':
        a.warmup = Number(v);
        i++;
        break;
      case '--version-runs':
        a.versionRuns = Number(v);
        i++;
        break;
      case '--strace-runs':
        a.straceRuns = Number(v);
        i++;
        break;
      case '--json':
        a.json = v ?? null;
        i++;
        break;
      default:
        throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  if (!(a.n >= 1)) throw new Error('--n must be ≥ 1');
  return a;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((x, y) => x - y);
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}
const median = (xs: number[]) => quantile(xs, 0.5);
const ms = (x: number) => `${x.toFixed(1)} ms`;

interface Series {
  add: number[];
  del: number[];
  total: number[];
}

// ------------------------------------------------------------------ (a) ADD+DEL through cnitool

interface Contender {
  label: string;
  network: string;
  netns: string;
}

async function addDel(tool: Cnitool, c: Contender, into: Series | null): Promise<void> {
  const add = await tool.add(c.network, c.netns);
  if (add.status !== 0) throw new Error(`${c.label} ADD failed: ${formatResult(add)}`);
  const del = await tool.del(c.network, c.netns);
  if (del.status !== 0) throw new Error(`${c.label} DEL failed: ${formatResult(del)}`);
  if (into) {
    into.add.push(add.ms);
    into.del.push(del.ms);
    into.total.push(add.ms + del.ms);
  }
}

async function benchCnitool(s: Scratch, lab: TestLab, args: Args) {
  const tool = new Cnitool(s, { env: lab.env });
  const ipam = (dir: string, subnet: string) => ({ type: 'host-local', dataDir: s.path(dir), ranges: [[{ subnet }]] });
  // The same kind of device for both: a lab VF netdev, a veth whose peer sits in the lab switch.
  tool.writeConflist({
    cniVersion: '1.0.0',
    name: 'b-hostdev',
    plugins: [{ type: 'host-device', device: lab.vf(0, 0).netdev, ipam: ipam('ipam-hd', '10.250.5.0/24') }],
  });
  tool.writeConflist({
    cniVersion: '1.0.0',
    name: 'b-sriov',
    plugins: [{ type: 'sriov', deviceID: lab.vf(0, 1).pci, ipam: ipam('ipam-sr', '10.250.6.0/24') }],
  });
  // What a typical SR-IOV attachment also asks for: PF-level settings and a MAC.
  tool.writeConflist({
    cniVersion: '1.0.0',
    name: 'b-sriov-cfg',
    plugins: [
      {
        type: 'sriov',
        deviceID: lab.vf(0, 2).pci,
        mac: '02:5a:00:00:20:01',
        vlan: 100,
        spoofchk: 'on',
        trust: 'off',
        ipam: ipam('ipam-sc', '10.250.7.0/24'),
      },
    ],
  });
  const contenders: Contender[] = [
    { label: 'host-device (Go)', network: 'b-hostdev', netns: (await createNetns(s, 'bh')).path },
    { label: 'sriov, deviceID', network: 'b-sriov', netns: (await createNetns(s, 'bs')).path },
    {
      label: 'sriov, deviceID + mac + vlan + spoofchk + trust',
      network: 'b-sriov-cfg',
      netns: (await createNetns(s, 'bc')).path,
    },
  ];
  const series = new Map<string, Series>(contenders.map((c) => [c.label, { add: [], del: [], total: [] }]));
  for (let i = 0; i < args.warmup; i++) for (const c of contenders) await addDel(tool, c, null);
  for (let i = 0; i < args.n; i++) {
    // Rotating order: no contender always runs first (or right after the same neighbour).
    const order = contenders.map((_, k) => contenders[(i + k) % contenders.length]!);
    if (i % 2 === 1) order.reverse();
    for (const c of order) await addDel(tool, c, series.get(c.label)!);
  }
  return { contenders, series };
}

/**
 * How a contender's ratio to the baseline spreads over one run: each round's own ratio (both ran
 * in it, seconds apart), and the ratio of medians in consecutive blocks of `block` rounds.
 */
function ratioSpread(totals: number[], base: number[], block: number) {
  const perRound = totals.map((t, i) => t / base[i]!);
  const blocks: number[] = [];
  for (let i = 0; i + block <= totals.length; i += block) {
    blocks.push(median(totals.slice(i, i + block)) / median(base.slice(i, i + block)));
  }
  if (blocks.length === 0) blocks.push(median(totals) / median(base));
  return {
    perRound: median(perRound),
    p10: quantile(perRound, 0.1),
    p90: quantile(perRound, 0.9),
    lowestBlock: Math.min(...blocks),
    highestBlock: Math.max(...blocks),
  };
}

const x = (ratio: number) => `${ratio.toFixed(2)}×`;

// ------------------------------------------------------------------ (b) cold start

interface HyperfineJson {
  results: { command: string; times: number[] }[];
}

async function benchVersion(s: Scratch, args: Args) {
  const rounds = 5;
  const runs = Math.max(10, Math.round(args.versionRuns / rounds));
  const times = new Map<string, number[]>([
    [SRIOV_BIN, []],
    [HOST_DEVICE, []],
  ]);
  const check = await run(SRIOV_BIN, [], { env: { CNI_COMMAND: 'VERSION' }, input: '' });
  if (check.status !== 0 || !check.stdout.includes('supportedVersions'))
    throw new Error(`sriov VERSION with empty stdin: ${formatResult(check)}`);
  for (let r = 0; r < rounds; r++) {
    const cmds = r % 2 === 0 ? [SRIOV_BIN, HOST_DEVICE] : [HOST_DEVICE, SRIOV_BIN];
    const out = s.path(`hyperfine-${r}.json`);
    // -N: no shell in between; the env carries CNI_COMMAND, stdin is empty (skel ignores it for VERSION).
    await runOk(
      'hyperfine',
      ['-N', '--style', 'none', '--warmup', '10', '--runs', String(runs), '--export-json', out, ...cmds],
      { env: { CNI_COMMAND: 'VERSION' }, timeoutMs: 600_000 },
    );
    const j = JSON.parse(readFileSync(out, 'utf8')) as HyperfineJson;
    for (const res of j.results) times.get(res.command)!.push(...res.times.map((t) => t * 1000));
  }
  return { sriov: times.get(SRIOV_BIN)!, hostDevice: times.get(HOST_DEVICE)!, rounds, runs };
}

// ------------------------------------------------------------------ (c) ADD breakdown

interface ProcSpan {
  pid: number;
  program: string;
  start: number;
  end: number;
}

/** Parses `strace -f -ttt -e trace=execve,exit_group` output into one span per exec'd program. */
function parseStrace(text: string): ProcSpan[] {
  const spans = new Map<number, ProcSpan>();
  // With several threads, strace splits a call: `execve("x" ... <unfinished ...>`, later `<... execve resumed>) = 0`.
  const pending = new Map<number, { program: string; start: number }>();
  for (const line of text.split('\n')) {
    const m = /^(\d+)\s+(\d+\.\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const pid = Number(m[1]);
    const t = Number(m[2]) * 1000;
    const rest = m[3]!;
    const exec = /^execve\("([^"]+)"/.exec(rest);
    if (exec && rest.endsWith('<unfinished ...>')) {
      pending.set(pid, { program: basename(exec[1]!), start: t });
      continue;
    }
    if (exec && / = 0$/.test(rest)) {
      spans.set(pid, { pid, program: basename(exec[1]!), start: t, end: t });
      continue;
    }
    if (/^<\.\.\. execve resumed>.* = 0$/.test(rest) && pending.has(pid)) {
      const p = pending.get(pid)!;
      spans.set(pid, { pid, program: p.program, start: p.start, end: t });
      pending.delete(pid);
      continue;
    }
    if (/exit_group\(|\+\+\+ exited with/.test(rest)) {
      const sp = spans.get(pid);
      if (sp) sp.end = Math.max(sp.end, t);
    }
  }
  return [...spans.values()];
}

interface Timeline {
  /** exec of the plugin to its exit. */
  total: number;
  /** exec of the plugin to its first child exec: process start, runtime init, config, sysfs reads. */
  beforeFirstExec: number;
  /** The IPAM plugin's lifetime (the plugin waits for it). */
  ipam: number;
  /** The rest: moving and configuring the netdev, PF-level settings, state files, and waiting on `ip`. */
  rest: number;
  /** How many processes of each program the plugin started. */
  execs: Record<string, number>;
}

function timeline(spans: ProcSpan[], plugin: string, ipam: string): Timeline {
  const root = spans.find((sp) => sp.program === plugin);
  if (!root) throw new Error(`no ${plugin} execve in the trace`);
  const children = spans.filter((sp) => sp !== root);
  const first = children.length ? Math.min(...children.map((c) => c.start)) : root.end;
  const ipamMs = children.filter((c) => c.program === ipam).reduce((a, c) => a + (c.end - c.start), 0);
  const execs: Record<string, number> = {};
  for (const c of children) execs[c.program] = (execs[c.program] ?? 0) + 1;
  const total = root.end - root.start;
  const beforeFirstExec = first - root.start;
  return { total, beforeFirstExec, ipam: ipamMs, rest: total - beforeFirstExec - ipamMs, execs };
}

interface TraceSubject {
  label: string;
  bin: string;
  conf: Record<string, unknown>;
  containerId: string;
  env: Record<string, string>;
}

/** ADD then DEL of one subject, `runs` times untraced (absolute times) and `runs` times traced (the split). */
async function traceSubject(s: Scratch, subject: TraceSubject, runs: number) {
  const ns = await createNetns(s, 'bx');
  const input = JSON.stringify(subject.conf);
  const base = { containerId: subject.containerId, netns: ns.path, ifname: 'eth0', env: subject.env };
  const plain: Record<'ADD' | 'DEL', number[]> = { ADD: [], DEL: [] };
  const traced: Record<'ADD' | 'DEL', Timeline[]> = { ADD: [], DEL: [] };
  const program = basename(subject.bin);
  for (let i = 0; i < runs; i++) {
    for (const op of ['ADD', 'DEL'] as const) {
      const r = await run(subject.bin, [], { env: pluginEnv({ command: op, ...base }), cleanEnv: true, input });
      if (r.status !== 0) throw new Error(`${subject.label} ${op}: ${formatResult(r)}`);
      plain[op].push(r.ms);
    }
    for (const op of ['ADD', 'DEL'] as const) {
      const out = s.path(`strace-${program}-${op}-${i}.txt`);
      const r = await run(
        'strace',
        ['-f', '-ttt', '--seccomp-bpf', '-e', 'trace=execve,exit_group', '-o', out, subject.bin],
        { env: pluginEnv({ command: op, ...base }), cleanEnv: true, input },
      );
      if (r.status !== 0) throw new Error(`strace ${subject.label} ${op}: ${formatResult(r)}`);
      traced[op].push(timeline(parseStrace(readFileSync(out, 'utf8')), program, 'host-local'));
    }
  }
  const summary = (op: 'ADD' | 'DEL') => {
    const ts = traced[op];
    const execs: Record<string, number> = {};
    for (const p of new Set(ts.flatMap((t) => Object.keys(t.execs)))) execs[p] = median(ts.map((t) => t.execs[p] ?? 0));
    return {
      op,
      plain: median(plain[op]),
      total: median(ts.map((t) => t.total)),
      beforeFirstExec: median(ts.map((t) => t.beforeFirstExec)),
      ipam: median(ts.map((t) => t.ipam)),
      rest: median(ts.map((t) => t.rest)),
      execs,
    };
  };
  return { label: subject.label, add: summary('ADD'), del: summary('DEL') };
}

async function benchBreakdown(s: Scratch, lab: TestLab, args: Args) {
  const ipam = (dir: string, subnet: string) => ({ type: 'host-local', dataDir: s.path(dir), ranges: [[{ subnet }]] });
  const subjects: TraceSubject[] = [
    {
      label: 'sriov, deviceID',
      bin: SRIOV_BIN,
      containerId: 'bench-trace-sr',
      env: lab.env,
      conf: {
        cniVersion: '1.0.0',
        name: 'b-trace',
        type: 'sriov',
        deviceID: lab.vf(0, 3).pci,
        ipam: ipam('ipam-tr', '10.250.8.0/24'),
      },
    },
    {
      label: 'host-device (Go)',
      bin: HOST_DEVICE,
      containerId: 'bench-trace-hd',
      env: {},
      conf: {
        cniVersion: '1.0.0',
        name: 'b-trace-hd',
        type: 'host-device',
        device: lab.vf(0, 0).netdev,
        ipam: ipam('ipam-th', '10.250.9.0/24'),
      },
    },
  ];
  const out = [];
  for (const sub of subjects) out.push(await traceSubject(s, sub, args.straceRuns));
  return out;
}

// ------------------------------------------------------------------ (d) evaluation per command

const PHASES = ['start-up', 'request', 'accounting', 'ledger open'] as const;

async function benchEvaluation(s: Scratch, runs: number) {
  // The runtime alone: an empty program compiled as the plugin is, reporting when its code starts.
  const src = s.path('empty.ts');
  writeFileSync(src, '(globalThis as any).Bun.write((globalThis as any).Bun.stdout, String(performance.now()));\n');
  const empty = s.path('empty');
  await runOk(join(process.cwd(), 'node_modules', '.bin', 'bun'), [
    'build',
    '--compile',
    '--minify',
    '--bytecode',
    // As scripts/build.mjs compiles the plugin, so "entry bundle alone" is the plugin's own part.
    '--format',
    'esm',
    '--splitting',
    '--no-compile-autoload-dotenv',
    '--no-compile-autoload-bunfig',
    '--compile-jit-policy=100',
    src,
    '--outfile',
    empty,
  ]);
  const emptyStart: number[] = [];
  for (let i = 0; i < runs; i++) emptyStart.push(Number((await runOk(empty, [])).stdout));
  const conf = JSON.stringify({ cniVersion: '1.1.0', name: 'ev', type: 'sriov', deviceID: '0000:99:00.1' });
  const rows = [];
  for (const command of ['VERSION', 'ADD', 'DEL', 'CHECK', 'STATUS', 'GC'] as const) {
    const phases = new Map<string, number[]>(PHASES.map((p) => [p, []]));
    for (let i = 0; i < runs; i++) {
      const env = {
        ...pluginEnv({ command, containerId: 'ev', netns: '/nonexistent', ifname: 'eth0' }),
        VFNET_STATE_DIR: s.path('ev-state'),
        VFNET_TRACE_TIMINGS: '1',
      };
      const r = await run(SRIOV_BIN, [], { env, cleanEnv: true, input: conf });
      const line = /timings \(ms\) (.*) \|/.exec(r.stderr)?.[1] ?? '';
      for (const p of PHASES) {
        const m = new RegExp(`(?:^| )${p}=([\\d.]+)`).exec(line);
        if (m) phases.get(p)!.push(Number(m[1]));
      }
    }
    rows.push({ command, ...Object.fromEntries([...phases].map(([p, xs]) => [p, xs.length ? median(xs) : null])) });
  }
  return { emptyStart: median(emptyStart), rows };
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const s = new Scratch('vfnet-bench');
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown CPU';
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  try {
    const lab = labFor(s, { pfs: 1, vfsPerPf: 4 });
    const a = await benchCnitool(s, lab, args);
    const b = await benchVersion(s, args);
    const c = await benchBreakdown(s, lab, args);
    const d = await benchEvaluation(s, args.straceRuns);
    const loadAfter = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

    const out: string[] = [];
    out.push(
      `Run: ${new Date().toISOString()}, ${cpu}, ${(await runOk('nproc')).stdout.trim()} cores, load average ${load} → ${loadAfter}.`,
    );
    out.push(
      '',
      `**(a) ADD+DEL through cnitool 1.1.2 on the simulated host** (n=${args.n} each after ${args.warmup} warm-up, interleaved; wall time of each cnitool process):`,
      '',
    );
    out.push(
      '| plugin | ADD median | DEL median | ADD+DEL median | ADD+DEL p10–p90 | ratio to host-device | per-round ratio, median (p10–p90) | ratio by blocks of 10 rounds |',
      '|---|---|---|---|---|---|---|---|',
    );
    const hdTotals = a.series.get(a.contenders[0]!.label)!.total;
    const hd = median(hdTotals);
    for (const c0 of a.contenders) {
      const sr = a.series.get(c0.label)!;
      const spread = ratioSpread(sr.total, hdTotals, 10);
      out.push(
        `| ${c0.label} | ${ms(median(sr.add))} | ${ms(median(sr.del))} | ${ms(median(sr.total))} | ${ms(quantile(sr.total, 0.1))} – ${ms(quantile(sr.total, 0.9))} | ${(median(sr.total) / hd).toFixed(2)}× | ${x(spread.perRound)} (${x(spread.p10)} – ${x(spread.p90)}) | ${x(spread.lowestBlock)} – ${x(spread.highestBlock)} |`,
      );
    }
    out.push(
      '',
      'A round runs every contender once, so the per-round ratio compares executions that saw the same ' +
        "machine; the blocks show how far the ratio drifts within one run (the VM's speed changes by the minute).",
    );
    const vs = median(b.sriov);
    const vh = median(b.hostDevice);
    out.push(
      '',
      `**(b) cold start, VERSION** (hyperfine -N, ${b.rounds} alternating rounds × ${b.runs} runs each):`,
      '',
    );
    out.push('| binary | median | p10–p90 |', '|---|---|---|');
    out.push(
      `| dist/bin/sriov (Bun-compiled) | ${ms(vs)} | ${ms(quantile(b.sriov, 0.1))} – ${ms(quantile(b.sriov, 0.9))} |`,
    );
    out.push(
      `| /usr/lib/cni/host-device (Go) | ${ms(vh)} | ${ms(quantile(b.hostDevice, 0.1))} – ${ms(quantile(b.hostDevice, 0.9))} |`,
    );
    out.push(`| ratio | ${(vs / vh).toFixed(2)}× | |`);
    out.push(
      '',
      `**(c) where the time of one ADD / DEL goes** (direct exec with host-local IPAM, ${args.straceRuns} runs each; ` +
        'untraced wall time, then the split from `strace -f -ttt --seccomp-bpf -e trace=execve,exit_group`, which slows every exec):',
      '',
    );
    out.push(`Process start alone (VERSION, from (b)): sriov ${ms(vs)}, host-device ${ms(vh)}.`, '');
    out.push(
      '| plugin | command | untraced | traced | exec → first child exec | IPAM (host-local) | the rest (netdev, PF settings, state) | processes started |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const sub of c) {
      for (const x of [sub.add, sub.del]) {
        const execs = Object.entries(x.execs)
          .map(([p, n]) => `${p} ×${n}`)
          .join(', ');
        out.push(
          `| ${sub.label} | ${x.op} | ${ms(x.plain)} | ${ms(x.total)} | ${ms(x.beforeFirstExec)} | ${ms(x.ipam)} | ${ms(x.rest)} | ${execs} |`,
        );
      }
    }
    out.push(
      '',
      `**(d) the bundle's evaluation per command** (VFNET_TRACE_TIMINGS marks, median of ${args.straceRuns}; an empty Bun-compiled program reaches its first line at ${ms(d.emptyStart)}):`,
      '',
    );
    out.push(
      '| command | entry reached (runtime + bundle) | bundle alone (vs empty program) | request (stdin, config) | accounting | ledger open |',
      '|---|---|---|---|---|---|',
    );
    const cell = (x: unknown) => (typeof x === 'number' ? ms(x) : '–');
    for (const r of d.rows as Record<string, unknown>[]) {
      const start = r['start-up'] as number;
      out.push(
        `| ${r.command} | ${cell(start)} | ${cell(start - d.emptyStart)} | ${cell(r.request)} | ${cell(r.accounting)} | ${cell(r['ledger open'])} |`,
      );
    }
    const report = out.join('\n');
    console.log(report);
    if (args.json) {
      writeFileSync(args.json, JSON.stringify({ a: Object.fromEntries(a.series), b, c, d }, null, 2));
    }
  } finally {
    await s.dispose();
  }
}

await main();
