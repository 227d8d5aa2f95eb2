// Text views for people: the provider tree as `tree` draws a directory, the doctor's table, the
// agent's pass lines. The JSON views are the objects themselves.
import type { Discovery, ProviderSpec } from './discover.js';
import type { DoctorReport } from './doctor.js';
import type { PassReport } from './loop.js';

function inventoryText(p: ProviderSpec): string {
  return Object.entries(p.inventories)
    .map(([rc, i]) => `${rc}=${i.total}`)
    .join(' ');
}

function traitText(p: ProviderSpec): string {
  return p.traits.length ? `[${p.traits.join(' ')}]` : '';
}

const join = (...parts: string[]) => parts.filter((s) => s !== '').join('  ');

export function renderTree(d: Discovery): string {
  const lines: string[] = [];
  const [root, ...rest] = d.providers;
  lines.push(join(root!.name, `(host ${root!.uuid})`, inventoryText(root!), traitText(root!)));
  const nics = rest.filter((p) => p.kind === 'nic');
  nics.forEach((nic, ni) => {
    const lastNic = ni === nics.length - 1;
    lines.push(join(`${lastNic ? '└── ' : '├── '}${nic.name}`, `(NIC ${nic.uuid})`, traitText(nic)));
    const nicPad = lastNic ? '    ' : '│   ';
    const pfs = rest.filter((p) => p.kind === 'pf' && p.parentUuid === nic.uuid);
    pfs.forEach((pf, pi) => {
      const lastPf = pi === pfs.length - 1;
      const s = pf.pf!;
      const facts = [
        `PF ${s.pci}`,
        pf.uuid,
        `physnet ${pf.physnet ?? '(none)'}`,
        `link ${s.operstate ?? '?'}`,
        `VFs ${s.numvfs ?? '?'}/${s.totalvfs ?? '?'}`,
      ];
      lines.push(
        join(
          `${nicPad}${lastPf ? '└── ' : '├── '}${pf.name}`,
          `(${facts.join(', ')})`,
          inventoryText(pf) || 'no inventory',
          traitText(pf),
        ),
      );
      const pfPad = `${nicPad}${lastPf ? '    ' : '│   '}`;
      s.vfs.forEach((vf, vi) => {
        const branch = vi === s.vfs.length - 1 ? '└── ' : '├── ';
        lines.push(
          `${pfPad}${branch}vf ${vf.index}  ${vf.pci}  ${vf.netdev ?? '(not in this namespace)'}  ${vf.driver ?? '(no driver)'}`,
        );
      });
    });
  });
  for (const note of d.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}

/** A plain table: check, status, detail, fix; long cells wrap in their column. */
export function renderDoctor(r: DoctorReport, width = 120): string {
  const rows = r.findings.map((f) => [
    f.subject ? `${f.check} ${f.subject}` : f.check,
    f.status.toUpperCase(),
    f.detail,
    f.fix ?? '',
  ]);
  const head = ['CHECK', 'STATUS', 'DETAIL', 'FIX'];
  const w0 = Math.max(head[0]!.length, ...rows.map((row) => row[0]!.length));
  const w1 = Math.max(head[1]!.length, ...rows.map((row) => row[1]!.length));
  const rest = Math.max(40, width - w0 - w1 - 6);
  const wd = Math.floor(rest / 2);
  const wf = rest - wd;
  const out: string[] = [];
  const emit = (cells: string[]) => {
    const detail = wrap(cells[2]!, wd);
    const fix = wrap(cells[3]!, wf);
    const n = Math.max(detail.length, fix.length, 1);
    for (let i = 0; i < n; i++) {
      out.push(
        [
          (i === 0 ? cells[0]! : '').padEnd(w0),
          (i === 0 ? cells[1]! : '').padEnd(w1),
          (detail[i] ?? '').padEnd(wd),
          fix[i] ?? '',
        ]
          .join('  ')
          .trimEnd(),
      );
    }
  };
  emit(head);
  for (const row of rows) emit(row);
  const count = (s: string) => r.findings.filter((f) => f.status === s).length;
  out.push('', `${count('pass')} passed, ${count('warn')} warnings, ${count('fail')} failed, ${count('skip')} skipped`);
  return out.join('\n');
}

function wrap(text: string, width: number): string[] {
  if (text === '') return [];
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = '';
    }
    line = line === '' ? word : `${line} ${word}`;
    while (line.length > width) {
      lines.push(line.slice(0, width));
      line = line.slice(width);
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

export function renderPass(r: PassReport): string[] {
  const lines: string[] = [];
  const tag = `${r.at} pass ${r.pass}`;
  for (const c of r.sync.changes) lines.push(`${tag}: ${c.kind} ${c.subject}${c.detail ? `: ${c.detail}` : ''}`);
  for (const p of r.sync.problems) lines.push(`${tag}: ${p.severity} ${p.code}: ${p.message}`);
  if (r.sync.aborted) lines.push(`${tag}: failed: ${r.sync.error}`);
  else {
    const n = r.discovery?.providers.length ?? 0;
    const state = r.sync.problems.length === 0 ? 'in sync' : 'synced, with problems above';
    lines.push(
      `${tag}: ${state} (${n} provider${n === 1 ? '' : 's'}, ${r.sync.changes.length} change${r.sync.changes.length === 1 ? '' : 's'})`,
    );
  }
  return lines;
}
