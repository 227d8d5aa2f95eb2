// Where the node's embedded store is, and how attachment records name it: no SQLite here, so the
// plugin's start-up can read these without loading a driver.
import { join } from '../os/path.js';

export const DEFAULT_NODE_DB = '/var/lib/vfnet/vfnet.db';
/** The plugin's default state directory (sriov-cni's). */
export const DEFAULT_PLUGIN_STATE_DIR = '/var/lib/cni/sriov';

/**
 * Where the node's store is: `db` when given (VFNET_DB, --db); beside a state directory that was
 * moved away from the default (tests and labs keep everything in one place); else the default.
 */
export function nodeDbPath(o: { db?: string | undefined; stateDir?: string | undefined }): string {
  if (o.db) return o.db;
  if (o.stateDir && o.stateDir !== DEFAULT_PLUGIN_STATE_DIR) return join(o.stateDir, 'vfnet.db');
  return DEFAULT_NODE_DB;
}

/** The embedded store as a model target (what attachment records name). */
export function nodeDbTarget(path: string): string {
  return `file://${path}`;
}

/** The path of a `file:` target; null for anything else. */
export function nodeDbFromTarget(target: string): string | null {
  return target.startsWith('file://') ? target.slice('file://'.length) : null;
}
