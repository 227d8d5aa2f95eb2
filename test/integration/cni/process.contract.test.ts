// The real ProcessRunners against /bin/sh: stdin, environment, exit status, signals, spawn
// failures, runaway output, what the child inherits, children left running. One contract for
// both: node:child_process (the vfnet CLI, under Node) and posix_spawn through bun:ffi (the
// compiled plugin; scripts/test.mjs runs this file again with `bun test`, where each runner that
// cannot run says so and is skipped).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { HostError, type ProcessRunner } from '../../../src/host/ports.js';
import { SpawnProcessRunner } from '../../../src/host/process.js';

const underBun = typeof (globalThis as { Bun?: unknown }).Bun !== 'undefined';
// Imported only under Bun: bun-spawn.js imports bun:ffi.
const BunRunner = underBun ? (await import('../../../src/host/bun-process.js')).BunProcessRunner : null;
const runners: Array<{ name: string; skip: string | false; runner: ProcessRunner; background: boolean; ffi: boolean }> =
  [
    {
      name: 'node:child_process',
      skip: underBun && 'runs under Node',
      runner: new SpawnProcessRunner(),
      background: false,
      ffi: false,
    },
    ...[true, false].map((background) => ({
      name: `posix_spawn (bun:ffi)${background ? '' : ', children collected at once (one CPU)'}`,
      skip: !underBun && 'needs Bun',
      runner: BunRunner ? new BunRunner({ background }) : (null as unknown as ProcessRunner),
      background,
      ffi: true,
    })),
  ];

for (const { name, skip, runner, background, ffi } of runners)
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

    test('a stdin larger than a pipe holds arrives whole', () => {
      const big = `${'x'.repeat(1024 * 1024)}\n`;
      const r = runner.run('/bin/sh', ['-c', 'wc -c'], {}, big);
      assert.equal(r.stdout.trim(), String(big.length));
    });

    test('the child starts with no signal ignored or blocked (the runtime ignores SIGPIPE)', () => {
      const r = runner.run('/bin/sh', ['-c', 'grep -E "^Sig(Ign|Blk)" /proc/self/status'], {}, '');
      assert.deepEqual(r.stdout.trim().split('\n'), ['SigBlk:\t0000000000000000', 'SigIgn:\t0000000000000000']);
    });

    test('the child holds only stdin, stdout and stderr of this process', {
      // libuv passes on whatever this process holds without FD_CLOEXEC (node --test's own fd).
      skip: !ffi && 'node:child_process closes only close-on-exec fds',
    }, () => {
      // $$ is the shell itself (ls has its own directory fd): 0, 1 and 2 only.
      const r = runner.run('/bin/sh', ['-c', 'ls /proc/$$/fd'], {}, '');
      assert.deepEqual(r.stdout.trim().split('\n').map(Number).sort(), [0, 1, 2]);
    });

    test('two started children are collected in any order, each with its own output', () => {
      const a = runner.start('/bin/sh', ['-c', 'cat; echo a >&2'], {}, 'first');
      const b = runner.start('/bin/sh', ['-c', 'cat; exit 4'], {}, 'second');
      assert.deepEqual(b.wait(), { status: 4, stdout: 'second', stderr: '' });
      assert.deepEqual(a.wait(), { status: 0, stdout: 'first', stderr: 'a\n' });
    });

    test('start() returns while the child still runs', {
      skip: !background && 'this runner runs children to their end',
    }, () => {
      // The child waits for a file that is made only after start() returned: a start() that
      // waited for the child would leave it to give up.
      const dir = mkdtempSync(join(tmpdir(), 'vfnet-start-'));
      try {
        const flag = join(dir, 'go');
        const child = runner.start(
          '/bin/sh',
          [
            '-c',
            `i=0; while [ ! -e ${flag} ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done; [ -e ${flag} ] && echo saw it`,
          ],
          {},
          '',
        );
        writeFileSync(flag, '');
        assert.deepEqual(child.wait(), { status: 0, stdout: 'saw it\n', stderr: '' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
