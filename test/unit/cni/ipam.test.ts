import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CniError, type CniRequest, delegateIpam, type ExecutableFinder, ipamType } from '../../../src/cni/index.js';
import type { ProcessResult, ProcessRunner } from '../../../src/host/ports.js';

interface Call {
  file: string;
  args: string[];
  env: Record<string, string | undefined>;
  stdin: Buffer;
}

class FakeRunner implements ProcessRunner {
  readonly calls: Call[] = [];
  constructor(private readonly reply: ProcessResult | Error) {}
  run(file: string, args: string[], env: Record<string, string | undefined>, stdin: string | Buffer): ProcessResult {
    this.calls.push({ file, args, env, stdin: Buffer.from(stdin) });
    if (this.reply instanceof Error) throw this.reply;
    return this.reply;
  }
  start(file: string, args: string[], env: Record<string, string | undefined>, stdin: string | Buffer) {
    const result = this.run(file, args, env, stdin);
    return { wait: () => result };
  }
}

// Deliberately odd spacing, key order and a unicode escape: the delegate must get these exact bytes.
const stdinText =
  '{ "cniVersion":"1.0.0",  "name":"n\\u0065t", "type":"sriov",\n "ipam":{"type":"host-local","subnet":"10.1.0.0/24"} }';

function request(stderr: string[] = [], overrides: Partial<CniRequest> = {}): CniRequest {
  const stdin = Buffer.from(stdinText);
  return {
    command: 'ADD',
    containerId: 'c1',
    netns: '/var/run/netns/t1',
    ifname: 'net1',
    args: new Map(),
    ignoreUnknownArgs: false,
    paths: ['/opt/cni/bin', '/usr/lib/cni'],
    cniVersion: '1.0.0',
    config: JSON.parse(stdinText) as Record<string, unknown>,
    stdin,
    prevResult: null,
    env: {
      CNI_COMMAND: 'ADD',
      CNI_CONTAINERID: 'c1',
      CNI_NETNS: '/var/run/netns/t1',
      CNI_IFNAME: 'net1',
      CNI_PATH: '/opt/cni/bin:/usr/lib/cni',
      PATH: '/usr/bin',
    },
    stderr: (t) => stderr.push(t),
    ...overrides,
  };
}

const foundIn =
  (dir: string): ExecutableFinder =>
  (name, dirs) =>
    dirs.includes(dir) ? `${dir}/${name}` : null;
const ok = (stdout: string, stderr = ''): ProcessResult => ({ status: 0, stdout, stderr });

test('ADD passes the raw stdin bytes and the environment with CNI_COMMAND, and parses the result', () => {
  const runner = new FakeRunner(
    ok('{"cniVersion":"1.0.0","ips":[{"address":"10.1.0.2/24","gateway":"10.1.0.1"}],"dns":{}}'),
  );
  const result = delegateIpam('ADD', request(), runner, { find: foundIn('/usr/lib/cni') });
  assert.deepEqual(result, {
    interfaces: [],
    ips: [{ address: '10.1.0.2/24', gateway: '10.1.0.1' }],
    routes: [],
    dns: {},
  });
  assert.equal(runner.calls.length, 1);
  const call = runner.calls[0]!;
  assert.equal(call.file, '/usr/lib/cni/host-local');
  assert.deepEqual(call.args, []);
  assert.ok(call.stdin.equals(Buffer.from(stdinText)), 'stdin is byte-identical');
  assert.equal(call.env.CNI_COMMAND, 'ADD');
  assert.equal(call.env.CNI_CONTAINERID, 'c1');
  assert.equal(call.env.PATH, '/usr/bin');
});

test('other operations replace CNI_COMMAND and return null', () => {
  for (const op of ['DEL', 'CHECK', 'STATUS', 'GC'] as const) {
    const runner = new FakeRunner(ok(''));
    assert.equal(delegateIpam(op, request(), runner, { find: foundIn('/opt/cni/bin') }), null);
    assert.equal(runner.calls[0]!.env.CNI_COMMAND, op);
  }
});

test('a result without cniVersion is read in the config version', () => {
  const runner = new FakeRunner(ok('{"ips":[{"version":"4","address":"10.1.0.2/24"}]}'));
  const r = delegateIpam('ADD', request([], { cniVersion: '0.4.0' }), runner, { find: foundIn('/opt/cni/bin') });
  assert.deepEqual(r?.ips, [{ address: '10.1.0.2/24' }]);
});

test("the delegate's stderr is forwarded", () => {
  const stderr: string[] = [];
  delegateIpam('DEL', request(stderr), new FakeRunner(ok('', 'released 10.1.0.2\n')), {
    find: foundIn('/opt/cni/bin'),
  });
  assert.deepEqual(stderr, ['released 10.1.0.2\n']);
});

function cniError(fn: () => unknown): CniError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof CniError, String(e));
    return e;
  }
  assert.fail('expected a CniError');
}

test("a delegate's error JSON keeps its code and gets the delegate's name", () => {
  const runner = new FakeRunner({
    status: 1,
    stdout:
      '{"cniVersion":"1.0.0","code":11,"msg":"no IP addresses available in range set","details":"10.1.0.1-10.1.0.254"}',
    stderr: '',
  });
  const e = cniError(() => delegateIpam('ADD', request(), runner, { find: foundIn('/opt/cni/bin') }));
  assert.equal(e.code, 11);
  assert.equal(e.msg, 'host-local: no IP addresses available in range set');
  assert.equal(e.details, '10.1.0.1-10.1.0.254');
});

test('a delegate failing without error JSON reports its stderr', () => {
  const runner = new FakeRunner({ status: 2, stdout: '', stderr: 'panic: boom\n' });
  const e = cniError(() => delegateIpam('ADD', request(), runner, { find: foundIn('/opt/cni/bin') }));
  assert.equal(e.code, 999);
  assert.equal(e.msg, 'host-local: panic: boom');
});

test('a delegate whose output is not a result is a decoding error naming it', () => {
  const e = cniError(() =>
    delegateIpam('ADD', request(), new FakeRunner(ok('hello')), { find: foundIn('/opt/cni/bin') }),
  );
  assert.equal(e.code, 6);
  assert.match(e.msg, /^host-local: /);
});

test('a delegate that cannot be run is an I/O error', () => {
  const e = cniError(() =>
    delegateIpam('ADD', request(), new FakeRunner(new Error('EACCES')), { find: foundIn('/opt/cni/bin') }),
  );
  assert.equal(e.code, 5);
  assert.match(e.details, /EACCES/);
});

test('a missing plugin names the type and the directories searched', () => {
  const runner = new FakeRunner(ok(''));
  const e = cniError(() => delegateIpam('ADD', request(), runner, { find: () => null }));
  assert.equal(e.code, 7);
  assert.match(e.msg, /"host-local"/);
  assert.match(e.details, /\/opt\/cni\/bin:\/usr\/lib\/cni/);
  assert.equal(runner.calls.length, 0);
});

test('the real finder takes the first executable match in CNI_PATH order', async () => {
  const { mkdtempSync, writeFileSync, mkdirSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { findExecutable } = await import('../../../src/cni/index.js');
  const root = mkdtempSync(join(tmpdir(), 'vfnet-ipam-'));
  try {
    const [a, b, c] = ['a', 'b', 'c'].map((d) => join(root, d));
    for (const d of [a!, b!, c!]) mkdirSync(d);
    writeFileSync(join(a!, 'ipam'), '#!/bin/sh\n', { mode: 0o644 }); // not executable: skipped
    mkdirSync(join(b!, 'dirnamed')); // a directory is not a plugin
    writeFileSync(join(b!, 'ipam'), '#!/bin/sh\n', { mode: 0o755 });
    writeFileSync(join(c!, 'ipam'), '#!/bin/sh\n', { mode: 0o755 });
    assert.equal(findExecutable('ipam', [join(root, 'missing'), a!, b!, c!]), join(b!, 'ipam'));
    assert.equal(findExecutable('dirnamed', [b!]), null);
    assert.equal(findExecutable('nothere', [a!, b!]), null);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('ipam.type must be present and a plain name', () => {
  const runner = new FakeRunner(ok(''));
  assert.equal(ipamType({}), null);
  assert.equal(ipamType({ ipam: {} }), null);
  assert.equal(ipamType({ ipam: { type: 'static' } }), 'static');
  assert.equal(cniError(() => delegateIpam('ADD', request([], { config: { name: 'n' } }), runner)).code, 7);
  const e = cniError(() => delegateIpam('ADD', request([], { config: { ipam: { type: '../../bin/sh' } } }), runner));
  assert.equal(e.code, 7);
  assert.match(e.details, /ipam\.type/);
  assert.equal(runner.calls.length, 0);
});

test('a message the delegate already prefixed with its name is not prefixed twice', () => {
  const runner = new FakeRunner({
    status: 1,
    stdout: '{"code":999,"msg":"host-local: Failed to find address added by container c1"}',
    stderr: '',
  });
  const e = cniError(() => delegateIpam('CHECK', request(), runner, { find: foundIn('/opt/cni/bin') }));
  assert.equal(e.msg, 'host-local: Failed to find address added by container c1');
});
