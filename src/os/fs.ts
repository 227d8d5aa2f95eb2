// The synchronous file calls the host adapters, the store's files, the lab and the plugin's entry
// make, in one place so the runtime decides what serves them: node:fs under Node (the vfnet CLI,
// the service, the tests), and libc through bun:ffi in the Bun-compiled plugin (bun-fs.ts), where
// evaluating Bun's node:fs alone cost 1.7–2.5 ms per exec on the simulated host and ≈ 22 ms in
// the QEMU guest (docs/benchmarks.md). Both answer test/integration/os/fs.contract.test.ts.
//
// Chosen once, when this module is evaluated, from the runtime it is evaluated in, and never
// changed: callers see plain functions, as they saw node:fs's.
import type * as NodeFs from 'node:fs';
import { createRequire } from 'node:module';
import { bunFileSystem } from './bun-fs.js';

type Fs = Pick<
  typeof NodeFs,
  | 'accessSync'
  | 'chmodSync'
  | 'closeSync'
  | 'constants'
  | 'existsSync'
  | 'linkSync'
  | 'lstatSync'
  | 'mkdirSync'
  | 'openSync'
  | 'readdirSync'
  | 'readFileSync'
  | 'readlinkSync'
  | 'realpathSync'
  | 'renameSync'
  | 'statSync'
  | 'unlinkSync'
  | 'writeFileSync'
  | 'writeSync'
>;

const underBun = typeof (globalThis as { Bun?: unknown }).Bun !== 'undefined';

// bun-fs.ts reaches bun:ffi only at its first call, so importing it costs Node nothing.
const fs: Fs & { ready?: Promise<void> } = underBun
  ? (bunFileSystem() as unknown as Fs)
  : (createRequire(import.meta.url)('node:fs') as Fs);

/**
 * Settles when the first call can be served at its cheapest: under Bun once bun:ffi has come by
 * import() (a call before takes it synchronously, ≈ 0.5 ms more on the simulated host); at once
 * under Node. Never rejects. A process that can wait a tick before its first call (the plugin's
 * entry, sriov-main.ts) awaits it.
 */
export const fsReady: Promise<void> = fs.ready ?? Promise.resolve();

export const {
  accessSync,
  chmodSync,
  closeSync,
  constants,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} = fs;
