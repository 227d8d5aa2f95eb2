// What a unit's SystemCallFilter= and RestrictAddressFamilies= allow, as systemd expands them
// (`systemd-analyze syscall-filter` lists each group; groups nest), and what a process really
// calls, from an strace log.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

function groups(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const line of execFileSync('systemd-analyze', ['syscall-filter'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).split('\n')) {
    if (line.startsWith('@')) out.set(line.trim(), (current = []));
    else if (current && line.trim() && !line.trim().startsWith('#')) current.push(line.trim());
  }
  return out;
}

function expand(all: Map<string, string[]>, name: string): Set<string> {
  if (!name.startsWith('@')) return new Set([name]);
  return new Set((all.get(name) ?? []).flatMap((m) => [...expand(all, m)]));
}

/** The unit's SystemCallFilter= lines, in order: an allow list, then "~" lines taking away. */
export function allowedSyscalls(unitText: string): Set<string> {
  const all = groups();
  let allowed = new Set<string>();
  for (const [, value] of unitText.matchAll(/^SystemCallFilter=(.*)$/gm)) {
    const deny = value!.startsWith('~');
    const names = new Set(
      value!
        .replace(/^~/, '')
        .split(/\s+/)
        .filter(Boolean)
        .flatMap((n) => [...expand(all, n)]),
    );
    allowed = deny ? new Set([...allowed].filter((s) => !names.has(s))) : new Set([...allowed, ...names]);
  }
  return allowed;
}

export function allowedFamilies(unitText: string): Set<string> {
  return new Set(unitText.match(/^RestrictAddressFamilies=(.*)$/m)?.[1]?.split(/\s+/) ?? []);
}

/** System calls in an `strace -f` log (lines "PID name(...", resumed calls included). */
export function tracedSyscalls(log: string): { calls: Set<string>; families: Set<string> } {
  const text = readFileSync(log, 'utf8');
  const calls = new Set([...text.matchAll(/^\d+ +(?:<\.\.\. )?([a-z0-9_]+)[( ]/gm)].map((m) => m[1]!));
  const families = new Set([...text.matchAll(/socket\((AF_[A-Z0-9]+)/g)].map((m) => m[1]!));
  return { calls, families };
}
