// Where the API suites find the repository, the shared conformance kit and the built server.
// Tests run from dist/test/api/..., so paths are resolved from the repository root rather than
// from the module's own location.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ApiPaths {
  /** the repository root (VFNET_ROOT from scripts/test.mjs, else derived from this file) */
  root: string;
  /** shared/conformance: gabbits, gabbi_live.py, populate.py, start-real-placement.sh */
  conformance: string;
  /** test/api in the source tree: start-vfnet.sh and the committed expectation files */
  sourceDir: string;
  /** the built dev entry of the vfnet Placement server */
  serverJs: string;
  scripts: string;
}

export function apiPaths(): ApiPaths {
  const here = fileURLToPath(new URL('.', import.meta.url));
  // dist/test/api/support/ or test/api/support/ (four or three levels below the root)
  const derived = [resolve(here, '../../../..'), resolve(here, '../../..')]
    .find((d) => existsSync(join(d, 'package.json'))) ?? resolve(here, '../../../..');
  const root = process.env.VFNET_ROOT ? resolve(process.env.VFNET_ROOT) : derived;
  // CI clones the project next to a copy of shared/; a session has shared/ beside the work tree.
  const conformance = process.env.VFNET_CONFORMANCE_DIR
    ?? [join(root, '..', 'shared', 'conformance'), join(root, 'shared', 'conformance'), '/work/shared/conformance']
      .find((d) => existsSync(join(d, 'gabbi_live.py')))
    ?? join(root, '..', 'shared', 'conformance');
  return {
    root,
    conformance,
    sourceDir: join(root, 'test', 'api'),
    serverJs: process.env.VFNET_SERVER_JS ?? join(root, 'dist', 'src', 'bin', 'placement-dev.js'),
    scripts: join(root, 'scripts'),
  };
}
