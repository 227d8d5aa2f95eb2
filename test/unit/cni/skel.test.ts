import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CniCode,
  CniError,
  type CniRequest,
  type CniResult,
  type PluginHandlers,
  runPlugin,
} from '../../../src/cni/index.js';

const addResult: CniResult = {
  interfaces: [
    { name: 'net1', mac: 'ca:fe:c0:ff:ee:01', mtu: 1500, sandbox: '/var/run/netns/t1', pciID: '0000:03:02.3' },
  ],
  ips: [{ address: '10.56.217.2/24', gateway: '10.56.217.1', interface: 0 }],
  routes: [{ dst: '0.0.0.0/0', gw: '10.56.217.1' }],
  dns: {},
};

/** Handlers that record each request and do what the test says. */
function recorder(behaviour: Partial<Record<keyof PluginHandlers, (r: CniRequest) => unknown>> = {}) {
  const calls: CniRequest[] = [];
  const make = (name: keyof PluginHandlers) => async (r: CniRequest) => {
    calls.push(r);
    return behaviour[name]?.(r);
  };
  const handlers: PluginHandlers = {
    add: async (r) => {
      calls.push(r);
      return (behaviour.add?.(r) as CniResult | undefined) ?? addResult;
    },
    del: make('del') as PluginHandlers['del'],
    check: make('check') as PluginHandlers['check'],
    status: make('status') as PluginHandlers['status'],
    gc: make('gc') as PluginHandlers['gc'],
  };
  return { handlers, calls };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  json: Record<string, unknown> | null;
}

async function run(
  handlers: PluginHandlers,
  env: Record<string, string | undefined>,
  stdin: string | object,
  ownNetns = false,
): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runPlugin(handlers, {
    env,
    stdin: Buffer.from(typeof stdin === 'string' ? stdin : JSON.stringify(stdin)),
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    isOwnNetns: () => ownNetns,
  });
  let json: Record<string, unknown> | null = null;
  try {
    json = JSON.parse(stdout) as Record<string, unknown>;
  } catch {
    /* no output */
  }
  return { code, stdout, stderr, json };
}

const attachEnv = (command: string) => ({
  CNI_COMMAND: command,
  CNI_CONTAINERID: 'c1',
  CNI_NETNS: '/var/run/netns/t1',
  CNI_IFNAME: 'net1',
  CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=web',
  CNI_PATH: '/usr/lib/cni',
  HOME: '/root',
});
const clusterEnv = (command: string) => ({ CNI_COMMAND: command, CNI_PATH: '/usr/lib/cni' });
const config = (cniVersion: string | undefined, extra: object = {}) => ({
  cniVersion,
  name: 'mynet',
  type: 'sriov',
  master: 'eth1',
  ...extra,
});

test('VERSION with libcni dummy env prints the supported versions, echoing the requested version', async () => {
  const { handlers, calls } = recorder();
  const r = await run(
    handlers,
    { CNI_COMMAND: 'VERSION', CNI_NETNS: 'dummy', CNI_IFNAME: 'dummy', CNI_PATH: 'dummy' },
    { cniVersion: '1.0.0' },
  );
  assert.equal(r.code, 0);
  assert.deepEqual(r.json, {
    cniVersion: '1.0.0',
    supportedVersions: ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'],
  });
  assert.equal(calls.length, 0);
});

test('VERSION with empty, broken or unknown-version stdin answers 1.1.0', async () => {
  const { handlers } = recorder();
  for (const stdin of ['', '{', '{"cniVersion":"7.0.0"}', 'null']) {
    const r = await run(handlers, { CNI_COMMAND: 'VERSION' }, stdin);
    assert.equal(r.code, 0, stdin);
    assert.equal(r.json?.cniVersion, '1.1.0');
  }
});

test('ADD passes a complete request and prints the result in the config version', async () => {
  const { handlers, calls } = recorder();
  const stdin = JSON.stringify(config('1.0.0', { ipam: { type: 'host-local' } }));
  const r = await run(handlers, attachEnv('ADD'), stdin);
  assert.equal(r.code, 0, r.stdout);
  assert.deepEqual(r.json, {
    cniVersion: '1.0.0',
    interfaces: [{ name: 'net1', mac: 'ca:fe:c0:ff:ee:01', sandbox: '/var/run/netns/t1' }],
    ips: [{ address: '10.56.217.2/24', gateway: '10.56.217.1', interface: 0 }],
    routes: [{ dst: '0.0.0.0/0', gw: '10.56.217.1' }],
    dns: {},
  });
  const req = calls[0]!;
  assert.equal(req.command, 'ADD');
  assert.equal(req.containerId, 'c1');
  assert.equal(req.netns, '/var/run/netns/t1');
  assert.equal(req.ifname, 'net1');
  assert.equal(req.args.get('K8S_POD_NAME'), 'web');
  assert.equal(req.ignoreUnknownArgs, true);
  assert.deepEqual(req.paths, ['/usr/lib/cni']);
  assert.equal(req.cniVersion, '1.0.0');
  assert.equal(req.config.master, 'eth1');
  assert.ok(req.stdin.equals(Buffer.from(stdin)));
  assert.equal(req.prevResult, null);
  assert.equal(req.env.HOME, '/root');
});

test('ADD at 0.3.1 and at 0.2.0 prints those formats', async () => {
  const { handlers } = recorder();
  const r031 = await run(handlers, attachEnv('ADD'), config('0.3.1'));
  assert.deepEqual((r031.json?.ips as object[] | undefined)?.[0], {
    version: '4',
    address: '10.56.217.2/24',
    gateway: '10.56.217.1',
    interface: 0,
  });
  const r020 = await run(handlers, attachEnv('ADD'), config('0.2.0'));
  assert.deepEqual(r020.json?.ip4, {
    ip: '10.56.217.2/24',
    gateway: '10.56.217.1',
    routes: [{ dst: '0.0.0.0/0', gw: '10.56.217.1' }],
  });
});

test('prevResult is parsed in the config version', async () => {
  const { handlers, calls } = recorder();
  const prevResult = { cniVersion: '0.4.0', ips: [{ version: '4', address: '10.0.0.2/24' }], dns: {} };
  const r = await run(handlers, attachEnv('CHECK'), config('0.4.0', { prevResult }));
  assert.equal(r.code, 0, r.stdout);
  assert.equal(r.stdout, '');
  assert.deepEqual(calls[0]!.prevResult, { interfaces: [], ips: [{ address: '10.0.0.2/24' }], routes: [], dns: {} });
});

test('a bad prevResult is code 6 on ADD, and ignored with a log line on DEL', async () => {
  const { handlers, calls } = recorder();
  const prevResult = { cniVersion: '1.0.0', ips: [{ address: 'not-an-ip' }] };
  const add = await run(handlers, attachEnv('ADD'), config('1.0.0', { prevResult }));
  assert.equal(add.code, 1);
  assert.equal(add.json?.code, 6);
  assert.match(String(add.json?.msg), /^prevResult: /);
  assert.equal(calls.length, 0);
  const del = await run(handlers, attachEnv('DEL'), config('1.0.0', { prevResult }));
  assert.equal(del.code, 0);
  assert.equal(calls[0]!.prevResult, null);
  assert.match(del.stderr, /prevResult/);
});

test('DEL, CHECK, STATUS and GC print nothing on success', async () => {
  const { handlers, calls } = recorder();
  for (const [command, env] of [
    ['DEL', attachEnv('DEL')],
    ['CHECK', attachEnv('CHECK')],
    ['STATUS', clusterEnv('STATUS')],
    ['GC', clusterEnv('GC')],
  ] as const) {
    const r = await run(handlers, env, config('1.1.0'));
    assert.equal(r.code, 0, `${command}: ${r.stdout}`);
    assert.equal(r.stdout, '', command);
    assert.equal(calls.at(-1)!.command, command);
  }
  assert.deepEqual(
    calls.map((c) => c.command),
    ['DEL', 'CHECK', 'STATUS', 'GC'],
  );
});

test('DEL with an empty CNI_NETNS (ctr) reaches the handler', async () => {
  const { handlers, calls } = recorder();
  const r = await run(handlers, { ...attachEnv('DEL'), CNI_NETNS: '', CNI_ARGS: '' }, config('1.0.0'));
  assert.equal(r.code, 0, r.stdout);
  assert.equal(calls[0]!.netns, '');
});

test('STATUS and GC requests carry no attachment', async () => {
  const { handlers, calls } = recorder();
  await run(handlers, { ...clusterEnv('STATUS'), CNI_CONTAINERID: 'x', CNI_IFNAME: 'y' }, config('1.1.0'));
  assert.equal(calls[0]!.containerId, '');
  assert.equal(calls[0]!.ifname, '');
  assert.equal(calls[0]!.netns, '');
});

test('GC stdin with and without cni.dev/valid-attachments is accepted', async () => {
  const { handlers, calls } = recorder();
  const withList = await run(
    handlers,
    clusterEnv('GC'),
    config('1.1.0', { 'cni.dev/valid-attachments': [{ containerID: 'c1', ifname: 'net1' }] }),
  );
  assert.equal(withList.code, 0, withList.stdout);
  assert.deepEqual(calls[0]!.config['cni.dev/valid-attachments'], [{ containerID: 'c1', ifname: 'net1' }]);
  const without = await run(handlers, clusterEnv('GC'), config('1.1.0'));
  assert.equal(without.code, 0, without.stdout);
  assert.equal(calls.length, 2);
});

async function expectError(
  handlers: PluginHandlers,
  env: Record<string, string>,
  stdin: string | object,
  code: number,
  msg: string | RegExp,
  ownNetns = false,
): Promise<Run> {
  const r = await run(handlers, env, stdin, ownNetns);
  assert.equal(r.code, 1);
  assert.equal(r.json?.code, code, r.stdout);
  if (typeof msg === 'string') assert.equal(r.json?.msg, msg);
  else assert.match(String(r.json?.msg), msg);
  return r;
}

test('stdin that is not JSON is code 6 naming the JSON error', async () => {
  const { handlers, calls } = recorder();
  const r = await expectError(
    handlers,
    attachEnv('ADD'),
    '{"cniVersion": "1.0.0", ',
    6,
    'error parsing network config',
  );
  assert.ok(String(r.json?.details).length > 0);
  await expectError(handlers, attachEnv('ADD'), '[1,2]', 6, 'error parsing network config');
  await expectError(handlers, attachEnv('ADD'), { cniVersion: 1, name: 'n' }, 6, 'error parsing network config');
  assert.equal(calls.length, 0);
});

test('an unsupported cniVersion is code 1 with details', async () => {
  const { handlers, calls } = recorder();
  const r = await expectError(handlers, attachEnv('ADD'), config('1.2.0'), 1, 'incompatible CNI versions');
  assert.match(String(r.json?.details), /config is "1\.2\.0", plugin supports \[.*"1\.1\.0"\]/);
  assert.equal(calls.length, 0);
});

test('CHECK at 0.3.1 is refused with code 1', async () => {
  const { handlers, calls } = recorder();
  await expectError(handlers, attachEnv('CHECK'), config('0.3.1'), 1, 'config version does not allow CHECK');
  assert.equal(calls.length, 0);
});

test('STATUS and GC at 1.0.0 are refused with code 1', async () => {
  const { handlers, calls } = recorder();
  await expectError(handlers, clusterEnv('STATUS'), config('1.0.0'), 1, 'config version does not allow STATUS');
  await expectError(handlers, clusterEnv('GC'), config('1.0.0'), 1, 'config version does not allow GC');
  assert.equal(calls.length, 0);
});

test('a config without cniVersion is 0.1.0: legacy result, no CHECK', async () => {
  const { handlers } = recorder();
  const add = await run(handlers, attachEnv('ADD'), config(undefined));
  assert.equal(add.code, 0, add.stdout);
  assert.equal(add.json?.cniVersion, '0.1.0');
  assert.ok('ip4' in add.json!);
  await expectError(handlers, attachEnv('CHECK'), config(undefined), 1, 'config version does not allow CHECK');
});

test('a missing or invalid network name is code 7', async () => {
  const { handlers } = recorder();
  await expectError(handlers, attachEnv('ADD'), { cniVersion: '1.0.0', type: 'sriov' }, 7, 'missing network name');
  await expectError(
    handlers,
    attachEnv('ADD'),
    { cniVersion: '1.0.0', name: '', type: 'sriov' },
    7,
    'missing network name',
  );
  await expectError(
    handlers,
    attachEnv('ADD'),
    { cniVersion: '1.0.0', name: 'my net', type: 'sriov' },
    7,
    /invalid characters/,
  );
  await expectError(
    handlers,
    attachEnv('ADD'),
    { cniVersion: '1.0.0', name: 5, type: 'sriov' },
    7,
    /invalid characters/,
  );
});

test('missing env variables are code 4, before stdin is looked at', async () => {
  const { handlers } = recorder();
  const r = await expectError(
    handlers,
    { CNI_COMMAND: 'ADD', CNI_PATH: '/x' },
    'not json',
    4,
    'required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME] missing',
  );
  assert.equal(r.json?.cniVersion, '1.1.0');
  const withConfig = await expectError(
    handlers,
    {},
    config('0.4.0'),
    4,
    'required env variables [CNI_COMMAND] missing',
  );
  assert.equal(withConfig.json?.cniVersion, '0.4.0', 'errors before the checks use the version stdin asks for');
});

test('errors carry the config version', async () => {
  const { handlers } = recorder({
    add: () => {
      throw new CniError(CniCode.InvalidConfig, 'invalid network config', 'vlan id 4095 invalid');
    },
  });
  const r = await run(handlers, attachEnv('ADD'), config('0.4.0'));
  assert.equal(r.code, 1);
  assert.deepEqual(r.json, {
    cniVersion: '0.4.0',
    code: 7,
    msg: 'invalid network config',
    details: 'vlan id 4095 invalid',
  });
});

test("ADD or DEL in the plugin's own netns is code 8; CHECK is not checked; the override skips it", async () => {
  const { handlers, calls } = recorder();
  await expectError(
    handlers,
    attachEnv('ADD'),
    config('1.0.0'),
    8,
    "plugin's netns and netns from CNI_NETNS should not be the same",
    true,
  );
  await expectError(handlers, attachEnv('DEL'), config('1.0.0'), 8, /should not be the same/, true);
  assert.equal(calls.length, 0);
  assert.equal((await run(handlers, attachEnv('CHECK'), config('1.0.0'), true)).code, 0);
  assert.equal((await run(handlers, { ...attachEnv('ADD'), CNI_NETNS_OVERRIDE: '1' }, config('1.0.0'), true)).code, 0);
});

test('the default netns check recognises /proc/self/ns/net', async () => {
  const { handlers, calls } = recorder();
  let stdout = '';
  const code = await runPlugin(handlers, {
    env: { ...attachEnv('ADD'), CNI_NETNS: '/proc/self/ns/net' },
    stdin: Buffer.from(JSON.stringify(config('1.0.0'))),
    stdout: (t) => {
      stdout += t;
    },
    stderr: () => {},
  });
  assert.equal(code, 1);
  assert.equal(JSON.parse(stdout).code, 8);
  assert.equal(calls.length, 0);
});

test('a non-CniError becomes code 999 with its message; the stack goes to stderr only', async () => {
  const { handlers } = recorder({
    del: () => {
      throw new TypeError('cannot read properties of undefined');
    },
  });
  const r = await run(handlers, attachEnv('DEL'), config('1.0.0'));
  assert.equal(r.code, 1);
  assert.deepEqual(r.json, { cniVersion: '1.0.0', code: 999, msg: 'cannot read properties of undefined' });
  assert.doesNotMatch(r.stdout, /at /);
  assert.match(r.stderr, /TypeError/);
  const thrownString = await run(
    recorder({
      gc: () => {
        throw 'plain string';
      },
    }).handlers,
    clusterEnv('GC'),
    config('1.1.0'),
  );
  assert.deepEqual(thrownString.json, { cniVersion: '1.1.0', code: 999, msg: 'plain string' });
});

test("STATUS reports the handler's code 50", async () => {
  const { handlers } = recorder({
    status: () => {
      throw new CniError(CniCode.NotAvailable, 'no free VF on eth1');
    },
  });
  const r = await run(handlers, clusterEnv('STATUS'), config('1.1.0'));
  assert.deepEqual(r.json, { cniVersion: '1.1.0', code: 50, msg: 'no free VF on eth1' });
});

test('an invalid result from ADD is an error, not bad output', async () => {
  const { handlers } = recorder({ add: () => ({ ...addResult, ips: [{ address: '10.0.0.2/24' }], dns: {} }) });
  const ok = await run(handlers, attachEnv('ADD'), config('1.0.0'));
  assert.equal(ok.code, 0);
  const bad = await run(
    recorder({ add: () => ({ ...addResult, ips: [{ address: 'nope' }] }) }).handlers,
    attachEnv('ADD'),
    config('1.0.0'),
  );
  assert.equal(bad.code, 1);
  assert.equal(bad.json?.code, 6);
});

test('validAttachments reads the GC list, null when absent, code 7 when malformed', async () => {
  const { validAttachments } = await import('../../../src/cni/index.js');
  assert.deepEqual(
    validAttachments({ 'cni.dev/valid-attachments': [{ containerID: 'c1', ifname: 'net1', extra: 1 }] }),
    [{ containerID: 'c1', ifname: 'net1' }],
  );
  assert.deepEqual(validAttachments({ 'cni.dev/valid-attachments': [] }), []);
  assert.equal(validAttachments({}), null);
  for (const bad of [{}, [{ containerID: 'c1' }], ['x']]) {
    assert.throws(
      () => validAttachments({ 'cni.dev/valid-attachments': bad }),
      (e: unknown) => e instanceof CniError && e.code === 7,
    );
  }
});
