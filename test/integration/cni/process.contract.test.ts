// The real ProcessRunners against /bin/sh: stdin, environment, exit status, signals, spawn
// failures, runaway output. One contract for both: node:child_process (the vfnet CLI, under
// Node) and Bun.spawnSync (the compiled plugin; scripts/test.mjs runs this file again with
// `bun test`, where each runner that cannot run says so and is skipped).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BunProcessRunner } from '../../../src/host/bun-process.js';
import { HostError, type ProcessRunner } from '../../../src/host/ports.js';
import { SpawnProcessRunner } from '../../../src/host/process.js';

const underBun = typeof (globalThis as { Bun?: unknown }).Bun !== 'undefined';
const runners: Array<{ name: string; skip: string | false; runner: ProcessRunner }> = [
  { name: 'node:child_process', skip: underBun && 'runs under Node', runner: new SpawnProcessRunner() },
  { name: 'Bun.spawnSync', skip: !underBun && 'needs Bun', runner: new BunProcessRunner() },
];

for (const { name, skip, runner } of runners)
  describe(name, { skip }, () => {
    test('stdin reaches the child byte for byte and stdout comes back', () => {
      const text = '{"a": "é\\u0000",\n  "b": [1, 2]}\n';
      const r = runner.run('/bin/cat', [], {}, Buffer.from(text));
      assert.equal(r.status, 0);
      assert.equal(r.stdout, text);
      assert.equal(r.stderr, '');
    });

    test('the child gets exactly the given environment, without undefined entries', () => {
      const r = runner.run('/bin/sh', ['-c', 'env | sort'], { CNI_COMMAND: 'DEL', EMPTY: '', GONE: undefined }, '');
      const vars = r.stdout.split('\n').filter((l) => /^(CNI_COMMAND|EMPTY|GONE)=/.test(l));
      assert.deepEqual(vars, ['CNI_COMMAND=DEL', 'EMPTY=']);
    });

    test('exit status and stderr are reported', () => {
      const r = runner.run('/bin/sh', ['-c', 'echo out; echo err >&2; exit 3'], {}, '');
      assert.deepEqual(r, { status: 3, stdout: 'out\n', stderr: 'err\n' });
    });

    test('a child killed by a signal reports 128 + the signal number', () => {
      const r = runner.run('/bin/sh', ['-c', 'kill -KILL $$'], {}, '');
      assert.equal(r.status, 128 + 9);
    });

    test('a program that cannot be run is a HostError with its errno', () => {
      assert.throws(
        () => runner.run('/nonexistent/ipam', [], {}, ''),
        (e: unknown) => {
          assert.ok(e instanceof HostError);
          assert.equal(e.errno, 'ENOENT');
          return true;
        },
      );
    });

    test('a string stdin arrives as UTF-8', () => {
      const r = runner.run('/bin/cat', [], {}, 'ünï\n');
      assert.equal(r.stdout, 'ünï\n');
    });

    test('output beyond the limit is an error, not a truncated answer', () => {
      assert.throws(
        () => runner.run('/bin/sh', ['-c', 'head -c 70000000 /dev/zero'], {}, ''),
        (e: unknown) => e instanceof HostError && e.errno === 'ENOBUFS',
      );
    });
  });
