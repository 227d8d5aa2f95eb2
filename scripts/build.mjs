// Builds everything `npm test` and `npm start` need:
//  - every .ts under src/, test/ and bench/ transpiled one-to-one into dist/ (Node runs these);
//  - dist/dashboard/app.js: the dashboard page's script, bundled for the browser;
//  - dist/bin/vfnet: the CLI, a Node entry point;
//  - dist/bin/sriov: the CNI plugin, one self-contained executable compiled by Bun, because
//    runtimes exec it several times per container and Node's cold start costs ~60 ms.
// Type checking is separate (`npm run typecheck`), so a build stays about a second.

import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const finalDist = join(root, 'dist');
// Built beside dist/ and swapped in at the end, so tests running from dist/ never see it half-made.
const dist = join(root, `.dist-${process.pid}`);

function tsFiles(dir) {
  const out = [];
  let entries = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

rmSync(dist, { recursive: true, force: true });
const sources = ['src', 'test', 'bench'].flatMap((d) => tsFiles(join(root, d)));
await build({
  entryPoints: sources,
  outdir: dist,
  outbase: root,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'inline',
  logLevel: 'warning',
});

// The dashboard's page script, one file for the browser (src/dashboard/routes.ts serves it).
await build({
  entryPoints: [join(root, 'src', 'dashboard', 'page', 'main.ts')],
  outfile: join(dist, 'dashboard', 'app.js'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  logLevel: 'warning',
});

mkdirSync(join(dist, 'bin'), { recursive: true });
const vfnet = join(dist, 'bin', 'vfnet');
writeFileSync(vfnet, "#!/usr/bin/env node\nimport '../src/bin/vfnet.js';\n");
chmodSync(vfnet, 0o755);

const bun = join(root, 'node_modules', '.bin', 'bun');
// better-sqlite3 and pg stay out: in the plugin, SQLite is bun:sqlite and there is no PostgreSQL.
// ESM with splitting: what sriov.ts imports on demand becomes chunks of its own inside the
// executable: the entry (sriov.ts) answers VERSION with the version list alone, and loads the
// dispatcher with the plugin's composition (sriov-main.ts, one chunk) for the other commands;
// the resource model's modules are a chunk of their own, loaded where the node's file has a model.
execFileSync(
  bun,
  [
    'build',
    '--compile',
    '--minify',
    '--bytecode',
    '--format',
    'esm',
    '--splitting',
    // A plugin reads no .env and no bunfig.toml: without these, the runtime's start looks for
    // neither (it otherwise walks up from the working directory, every exec).
    '--no-compile-autoload-dotenv',
    '--no-compile-autoload-bunfig',
    // A plugin process lives tens of milliseconds: code the JIT compiles on its worker thread is
    // rarely run again. A 100x tier-up threshold keeps it in the interpreter (perf: the JITWorker
    // thread took 13% of an ADD's samples; CPU per ADD 25.9 -> 21.8 ms, DEL 20.5 -> 18.4).
    '--compile-jit-policy=100',
    '--external',
    'better-sqlite3',
    '--external',
    'pg',
    join(root, 'src', 'bin', 'sriov.ts'),
    '--outfile',
    join(dist, 'bin', 'sriov'),
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
const old = join(root, `.dist-old-${process.pid}`);
if (existsSync(finalDist)) renameSync(finalDist, old);
renameSync(dist, finalDist);
rmSync(old, { recursive: true, force: true });
console.error(`build: ${sources.length} modules, dist/bin/vfnet, dist/bin/sriov`);
