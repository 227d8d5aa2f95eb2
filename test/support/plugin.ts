// Direct exec of a CNI plugin binary with the environment and stdin the spec defines (reference
// §1.2, §3.7): the harness for commands no Debian runtime sends (STATUS, GC) and for parallel
// ADDs. The environment is built explicitly, so a test shows exactly what the plugin was given.
import { type RunResult, run } from './exec.js';
import { DEBIAN_CNI_DIR, PLUGIN_DIR } from './paths.js';

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'STATUS' | 'GC' | 'VERSION';

export interface PluginCall {
  command: CniCommand;
  containerId?: string;
  /** Path of the netns; '' is sent as an empty CNI_NETNS (what `ctr` does on DEL). */
  netns?: string;
  ifname?: string;
  args?: string;
  /** Default: the plugin dir, then Debian's plugins (for host-local). */
  cniPath?: string;
  /** Extra variables (VFNET_SYSFS_ROOT, VFNET_STATE_DIR, ...). */
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** A CNI error object (stdout of a failing plugin). */
export interface CniError {
  cniVersion?: string;
  code: number;
  msg: string;
  details?: string;
}

export interface PluginOutcome extends RunResult {
  /** stdout parsed as JSON, or null when it is empty or not JSON. */
  json: unknown;
}

export function pluginEnv(call: PluginCall): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: call.command,
    CNI_PATH: call.cniPath ?? `${PLUGIN_DIR}:${DEBIAN_CNI_DIR}`,
    ...call.env,
  };
  if (call.containerId !== undefined) env.CNI_CONTAINERID = call.containerId;
  if (call.netns !== undefined) env.CNI_NETNS = call.netns;
  if (call.ifname !== undefined) env.CNI_IFNAME = call.ifname;
  if (call.args !== undefined) env.CNI_ARGS = call.args;
  return env;
}

export async function execPlugin(bin: string, call: PluginCall, config: unknown): Promise<PluginOutcome> {
  const input = typeof config === 'string' ? config : JSON.stringify(config);
  const r = await run(bin, [], { env: pluginEnv(call), cleanEnv: true, input, timeoutMs: call.timeoutMs ?? 60_000 });
  let json: unknown = null;
  if (r.stdout.trim()) {
    try {
      json = JSON.parse(r.stdout);
    } catch {
      json = null;
    }
  }
  return { ...r, json };
}

/** The CNI error object of a failed call, or null when stdout does not hold one. */
export function cniError(o: PluginOutcome): CniError | null {
  const j = o.json as Partial<CniError> | null;
  if (j && typeof j === 'object' && typeof j.code === 'number' && typeof j.msg === 'string') return j as CniError;
  return null;
}
