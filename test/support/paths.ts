// Where the real-world suites find the built plugin and the runtimes. scripts/test.mjs sets
// VFNET_ROOT; running a compiled test file directly falls back to its place in dist/test/support.

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = process.env.VFNET_ROOT ?? fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The directory holding the compiled `sriov` executable; runtimes find plugins by directory.
 * VFNET_PLUGIN_DIR runs the suites against another build (an installed plugin, a bisect).
 */
export const PLUGIN_DIR = process.env.VFNET_PLUGIN_DIR ?? join(REPO_ROOT, 'dist', 'bin');
export const SRIOV_BIN = join(PLUGIN_DIR, 'sriov');

/** Debian's containernetworking-plugins (host-local, host-device, ...). */
export const DEBIAN_CNI_DIR = '/usr/lib/cni';

/** Built by scripts/install-deps.sh from Debian's libcni source package. */
export const CNITOOL = join(process.env.VFNET_TOOLS ?? '/var/tmp/vfnet-tools', 'bin', 'cnitool');

/** libcni's result cache (not configurable in cnitool 1.1.2). */
export const LIBCNI_RESULTS_DIR = '/var/lib/cni/results';
