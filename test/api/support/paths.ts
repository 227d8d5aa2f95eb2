// Where the API suites find the repository, the conformance kit (test/api/gabbi) and the built server.
// Tests run from dist/test/api/..., so paths are resolved from the repository root rather than
// from the module's own location.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ApiPaths {
  /** the repository root (VFNET_ROOT from scripts/test.mjs, else derived from this file) */
  root: string;
  /** test/api/gabbi: Placement's gabbi files (gabbits/), the fixtures, the peer's start script */
  gabbiDir: string;
  /** test/api in the source tree: start-vfnet.sh and the committed expectation files */
  sourceDir: string;
  /** the built dev entry of the vfnet Placement server */
  serverJs: string;
  scripts: string;
}

export function apiPaths(): ApiPaths {
  const here = fileURLToPath(new URL('.', import.meta.url));
  // dist/test/api/support/ or test/api/support/ (four or three levels below the root)
  const derived =
    [resolve(here, '../../../..'), resolve(here, '../../..')].find((d) => existsSync(join(d, 'package.json'))) ??
    resolve(here, '../../../..');
  const root = process.env.VFNET_ROOT ? resolve(process.env.VFNET_ROOT) : derived;
  return {
    root,
    // Everything the suites read is in the repository: nothing beside it is looked for.
    gabbiDir: join(root, 'test', 'api', 'gabbi'),
    sourceDir: join(root, 'test', 'api'),
    serverJs: process.env.VFNET_SERVER_JS ?? join(root, 'dist', 'src', 'bin', 'placement-dev.js'),
    scripts: join(root, 'scripts'),
  };
}
