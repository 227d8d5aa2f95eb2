// cnitool 1.1.2 (libcni 1.1.2, the library inside Debian's podman and containerd) driving a
// conflist from a private NETCONFPATH. Its result cache lives in the global /var/lib/cni/results
// and cannot be moved, so each network's entries are removed at scratch disposal.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type RunResult, run } from './exec.js';
import { rmdirIfEmpty } from './fs.js';
import { CNITOOL, DEBIAN_CNI_DIR, LIBCNI_RESULTS_DIR, PLUGIN_DIR } from './paths.js';
import type { Scratch } from './scratch.js';

export interface CnitoolOptions {
  /** Directories searched for plugin binaries; default: the built plugin, then Debian's. */
  cniPath?: string[];
  /** Extra environment for cnitool, which passes its own environment on to every plugin. */
  env?: Record<string, string>;
}

export interface CnitoolCall {
  ifname?: string;
  args?: string;
  capArgs?: Record<string, unknown>;
}

function removeCachedResults(network: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(LIBCNI_RESULTS_DIR);
  } catch {
    return;
  }
  for (const n of names) if (n.startsWith(`${network}-`)) rmSync(join(LIBCNI_RESULTS_DIR, n), { force: true });
}

/** The CNI_CONTAINERID cnitool 1.1.2 derives from a netns path: `cnitool-` + 20 hex digits of its SHA-512. */
export function cnitoolContainerId(netnsPath: string): string {
  return `cnitool-${createHash('sha512').update(netnsPath).digest('hex').slice(0, 20)}`;
}

export class Cnitool {
  readonly netconfDir: string;

  constructor(
    private readonly scratch: Scratch,
    private readonly opts: CnitoolOptions = {},
  ) {
    this.netconfDir = scratch.mkdir('net.d');
    // libcni creates /var/lib/cni/results on first use; leave the host as found. rmdir only
    // removes empty directories, so a concurrent user's entries are never at risk.
    for (const dir of [dirname(LIBCNI_RESULTS_DIR), LIBCNI_RESULTS_DIR]) {
      if (!existsSync(dir)) scratch.defer(`rmdir ${dir}`, () => rmdirIfEmpty(dir));
    }
  }

  /** Writes `<name>.conflist`; libcni's cached results for it are removed at disposal. */
  writeConflist(conflist: { name: string } & Record<string, unknown>): string {
    const p = this.scratch.writeJson(join('net.d', `${conflist.name}.conflist`), conflist);
    this.scratch.defer(`remove libcni results of ${conflist.name}`, () => removeCachedResults(conflist.name));
    return p;
  }

  private env(call: CnitoolCall): Record<string, string | undefined> {
    return {
      ...this.opts.env,
      NETCONFPATH: this.netconfDir,
      CNI_PATH: (this.opts.cniPath ?? [PLUGIN_DIR, DEBIAN_CNI_DIR]).join(':'),
      CNI_IFNAME: call.ifname,
      CNI_ARGS: call.args,
      CAP_ARGS: call.capArgs ? JSON.stringify(call.capArgs) : undefined,
    };
  }

  exec(op: 'add' | 'check' | 'del', network: string, netnsPath: string, call: CnitoolCall = {}): Promise<RunResult> {
    return run(CNITOOL, [op, network, netnsPath], { env: this.env(call), timeoutMs: 60_000 });
  }

  add(network: string, netnsPath: string, call?: CnitoolCall): Promise<RunResult> {
    return this.exec('add', network, netnsPath, call);
  }

  check(network: string, netnsPath: string, call?: CnitoolCall): Promise<RunResult> {
    return this.exec('check', network, netnsPath, call);
  }

  del(network: string, netnsPath: string, call?: CnitoolCall): Promise<RunResult> {
    return this.exec('del', network, netnsPath, call);
  }
}
