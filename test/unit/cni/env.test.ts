import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CniError, checkArgsKnown, parseCniArgs, parseEnv, validateIfname } from '../../../src/cni/index.js';

const full = {
  CNI_COMMAND: 'ADD',
  CNI_CONTAINERID: 'c0ffee',
  CNI_NETNS: '/var/run/netns/t1',
  CNI_IFNAME: 'net1',
  CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=web',
  CNI_PATH: '/opt/cni/bin::/usr/lib/cni',
};

function codeAndMsg(fn: () => unknown): { code: number; msg: string; details: string } {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof CniError, `expected CniError, got ${String(e)}`);
    return { code: e.code, msg: e.msg, details: e.details };
  }
  assert.fail('expected a CniError');
}

test('ADD with every variable parses them all', () => {
  const env = parseEnv(full);
  assert.equal(env.command, 'ADD');
  assert.equal(env.containerId, 'c0ffee');
  assert.equal(env.netns, '/var/run/netns/t1');
  assert.equal(env.ifname, 'net1');
  assert.deepEqual(
    [...env.args],
    [
      ['IgnoreUnknown', '1'],
      ['K8S_POD_NAME', 'web'],
    ],
  );
  assert.equal(env.ignoreUnknownArgs, true);
  assert.deepEqual(env.paths, ['/opt/cni/bin', '/usr/lib/cni']);
  assert.equal(env.netnsOverride, false);
});

test('each required variable of ADD and CHECK is reported by name when missing or empty', () => {
  for (const command of ['ADD', 'CHECK']) {
    for (const name of ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH']) {
      for (const value of [undefined, '']) {
        const e = codeAndMsg(() => parseEnv({ ...full, CNI_COMMAND: command, [name]: value }));
        assert.equal(e.code, 4);
        assert.equal(e.msg, `required env variables [${name}] missing`);
      }
    }
  }
});

test('several missing variables are listed together, in skel order', () => {
  const e = codeAndMsg(() => parseEnv({ CNI_COMMAND: 'ADD', CNI_NETNS: '/x' }));
  assert.equal(e.msg, 'required env variables [CNI_CONTAINERID,CNI_IFNAME,CNI_PATH] missing');
});

test('missing CNI_COMMAND is code 4, an unknown command too', () => {
  assert.equal(codeAndMsg(() => parseEnv({})).msg, 'required env variables [CNI_COMMAND] missing');
  const e = codeAndMsg(() => parseEnv({ ...full, CNI_COMMAND: 'FROB' }));
  assert.equal(e.code, 4);
  assert.equal(e.msg, 'unknown CNI_COMMAND: FROB');
});

test('DEL accepts an empty or absent CNI_NETNS (ctr) and empty CNI_ARGS', () => {
  for (const netns of ['', undefined]) {
    const env = parseEnv({ ...full, CNI_COMMAND: 'DEL', CNI_NETNS: netns, CNI_ARGS: '' });
    assert.equal(env.netns, '');
    assert.equal(env.args.size, 0);
  }
  assert.equal(codeAndMsg(() => parseEnv({ ...full, CNI_COMMAND: 'DEL', CNI_IFNAME: '' })).code, 4);
  assert.equal(codeAndMsg(() => parseEnv({ ...full, CNI_COMMAND: 'DEL', CNI_CONTAINERID: '' })).code, 4);
});

test('STATUS and GC need only CNI_PATH and ignore attachment variables', () => {
  for (const command of ['STATUS', 'GC']) {
    const env = parseEnv({ CNI_COMMAND: command, CNI_PATH: '/usr/lib/cni', CNI_IFNAME: 'bad/name' });
    assert.equal(env.command, command);
    assert.equal(env.containerId, '');
    assert.equal(env.netns, '');
    assert.equal(env.ifname, '');
    assert.deepEqual(env.paths, ['/usr/lib/cni']);
    assert.equal(codeAndMsg(() => parseEnv({ CNI_COMMAND: command })).msg, 'required env variables [CNI_PATH] missing');
  }
});

test('VERSION needs nothing and accepts libcni dummies', () => {
  assert.equal(parseEnv({ CNI_COMMAND: 'VERSION' }).command, 'VERSION');
  assert.equal(
    parseEnv({ CNI_COMMAND: 'VERSION', CNI_NETNS: 'dummy', CNI_IFNAME: 'dummy', CNI_PATH: 'dummy' }).command,
    'VERSION',
  );
});

test('container ID: first character alphanumeric, then [A-Za-z0-9_.-]', () => {
  for (const ok of ['a', '0', 'cnitool-0123456789abcdef0123', 'A.b_c-d']) {
    assert.equal(parseEnv({ ...full, CNI_CONTAINERID: ok }).containerId, ok);
  }
  for (const bad of ['-a', '.a', '_a', 'a b', 'a/b', 'a:b', 'é']) {
    const e = codeAndMsg(() => parseEnv({ ...full, CNI_CONTAINERID: bad }));
    assert.equal(e.code, 4, bad);
    assert.match(e.details, /CNI_CONTAINERID/);
  }
});

test('interface names follow the kernel rules', () => {
  for (const ok of ['eth0', 'a', '123456789012345', 'net1.100', 'x-y_z']) validateIfname(ok);
  assert.throws(() => validateIfname(''), CniError);
  for (const bad of ['.', '..', '1234567890123456', 'a/b', 'a:b', 'a b', 'a\tb', 'éééééééé']) {
    const e = codeAndMsg(() => parseEnv({ ...full, CNI_IFNAME: bad }));
    assert.equal(e.code, 4, JSON.stringify(bad));
    assert.match(e.details, /CNI_IFNAME/);
  }
});

test('CNI_ARGS is an unordered map: the order of pairs does not matter', () => {
  const a = parseCniArgs('K8S_POD_UID=u;IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p');
  const b = parseCniArgs('K8S_POD_NAME=p;K8S_POD_NAMESPACE=ns;IgnoreUnknown=1;K8S_POD_UID=u');
  assert.deepEqual(new Map([...a.args].sort()), new Map([...b.args].sort()));
  assert.equal(a.args.get('K8S_POD_NAMESPACE'), 'ns');
  assert.equal(a.ignoreUnknown, true);
});

test('IgnoreUnknown accepts 1/true (any case) and 0/false, and nothing else', () => {
  assert.equal(parseCniArgs('IgnoreUnknown=true').ignoreUnknown, true);
  assert.equal(parseCniArgs('IgnoreUnknown=TRUE').ignoreUnknown, true);
  assert.equal(parseCniArgs('IgnoreUnknown=0').ignoreUnknown, false);
  assert.equal(parseCniArgs('IgnoreUnknown=false').ignoreUnknown, false);
  assert.equal(parseCniArgs('A=1').ignoreUnknown, false);
  assert.equal(codeAndMsg(() => parseCniArgs('IgnoreUnknown=yes')).code, 4);
});

test('CNI_ARGS: values may contain "=", a trailing ";" is fine, malformed pairs are named', () => {
  assert.equal(parseCniArgs('MAC=aa:bb;X=a=b;').args.get('X'), 'a=b');
  assert.equal(parseCniArgs('').args.size, 0);
  for (const bad of ['NOEQUALS', '=value']) {
    const e = codeAndMsg(() => parseEnv({ ...full, CNI_ARGS: `A=1;${bad}` }));
    assert.equal(e.code, 4);
    assert.ok(e.details.includes(JSON.stringify(bad)), e.details);
  }
});

test('checkArgsKnown rejects unknown keys unless IgnoreUnknown', () => {
  const { args } = parseCniArgs('MAC=aa;K8S_POD_NAME=p');
  const e = codeAndMsg(() => checkArgsKnown(args, false, ['MAC']));
  assert.equal(e.code, 4);
  assert.match(e.details, /^K8S_POD_NAME/);
  checkArgsKnown(args, true, ['MAC']);
  checkArgsKnown(parseCniArgs('MAC=aa;IgnoreUnknown=0').args, false, ['MAC']);
});

test('CNI_NETNS_OVERRIDE is reported', () => {
  assert.equal(parseEnv({ ...full, CNI_NETNS_OVERRIDE: '1' }).netnsOverride, true);
});
