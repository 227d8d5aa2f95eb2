// The real ProcessRunner against /bin/sh: stdin, environment, exit status, signals, spawn failures.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HostError } from '../../../src/host/ports.js';
import { SpawnProcessRunner } from '../../../src/host/process.js';

const runner = new SpawnProcessRunner();

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
