// The host's root-provider facts (VCPU, MEMORY_MB, DISK_GB and the name). Discovery takes them as
// an input so it stays pure; this is the one place that reads them from the machine, for the CLI.
import { statfsSync } from 'node:fs';
import { cpus, hostname, totalmem } from 'node:os';
import { AgentCode, AgentError } from './errors.js';

export interface HostFacts {
  hostname: string;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
}

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

/** Throws AgentError when a fact cannot become a provider name or an inventory. */
export function checkHostFacts(f: HostFacts): HostFacts {
  // Placement names are ≤ 200 characters; the longest derived name adds `_nic_dddd:bb:dd`.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,180}$/.test(f.hostname)) {
    throw new AgentError(
      AgentCode.badHostFacts,
      `hostname ${JSON.stringify(f.hostname)}: expected 1-181 letters, digits, ".", "_" or "-"`,
    );
  }
  for (const [k, v] of [
    ['vcpus', f.vcpus],
    ['memoryMb', f.memoryMb],
    ['diskGb', f.diskGb],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 2147483647)
      throw new AgentError(AgentCode.badHostFacts, `${k} ${v}: expected a whole number 0-2147483647`);
  }
  return f;
}

/** This machine's facts; `diskPath` is the filesystem DISK_GB describes (default /). */
export function systemHostFacts(opts: { hostname?: string; diskPath?: string } = {}): HostFacts {
  const fs = statfsSync(opts.diskPath ?? '/');
  return checkHostFacts({
    hostname: opts.hostname ?? hostname(),
    vcpus: cpus().length,
    memoryMb: Math.floor(totalmem() / MIB),
    diskGb: Math.floor((fs.blocks * fs.bsize) / GIB),
  });
}
