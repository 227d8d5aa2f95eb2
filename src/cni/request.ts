// What a command handler receives: the parsed environment and stdin of one invocation.
import type { CniEnv, Env } from './env.js';
import type { CniResult } from './result.js';

export type AttachmentCommand = 'ADD' | 'DEL' | 'CHECK';
export type HandlerCommand = AttachmentCommand | 'STATUS' | 'GC';

/**
 * containerId, netns, ifname, args, ignoreUnknownArgs and paths come from the environment (see
 * CniEnv: containerId, netns and ifname are '' for STATUS and GC; netns is '' for a DEL the runtime
 * sent without one).
 */
export interface CniRequest extends Omit<CniEnv, 'command' | 'netnsOverride'> {
  command: HandlerCommand;
  /** The config's version (`0.1.0` when the config has none, as libcni reads it). */
  cniVersion: string;
  /** The parsed network config, all keys as sent. */
  config: Record<string, unknown>;
  /** The exact stdin bytes, for delegates (the spec passes the complete config through unchanged). */
  stdin: Buffer;
  /** The parsed `prevResult`, or null when there is none (or, on DEL only, when it does not parse). */
  prevResult: CniResult | null;
  /** The whole process environment, passed on to delegates. */
  env: Env;
  /** Writes to the plugin's stderr (logs; delegates' stderr is forwarded here). */
  stderr(text: string): void;
}
