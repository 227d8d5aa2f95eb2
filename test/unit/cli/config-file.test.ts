// The configuration file's loader, and how its values meet the real commands' flags: the
// commands are built by their own register functions, their actions replaced by a recorder.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Command } from 'commander';
import { registerAgent } from '../../../src/cli/agent.js';
import {
  applyConfig,
  ConfigFileError,
  DEFAULT_CONFIG_PATH,
  loadConfigFile,
  parseConfigFile,
  type VfnetConfig,
} from '../../../src/cli/config-file.js';
import { registerServe } from '../../../src/cli/serve.js';

/** An in-memory file system for the loader. */
function files(map: Record<string, string>) {
  return (p: string) => {
    if (p in map) return map[p]!;
    throw Object.assign(new Error(`ENOENT: no such file, open '${p}'`), { code: 'ENOENT' });
  };
}

/** Parses argv with the real command, the file's section applied as the wiring would (preAction). */
async function optionsOf(
  name: 'agent' | 'serve',
  argv: string[],
  config: VfnetConfig['sections'],
): Promise<Record<string, unknown>> {
  const program = new Command('vfnet').exitOverride();
  (name === 'agent' ? registerAgent : registerServe)(program);
  const command = program.commands.find((c) => c.name() === name)!;
  let seen: Record<string, unknown> = {};
  command.action((o: Record<string, unknown>) => {
    seen = o;
  });
  program.hook('preAction', (_root, action) => {
    applyConfig(action, config[action.name() as 'agent' | 'serve']);
  });
  await program.parseAsync(['node', 'vfnet', name, ...argv]);
  return seen;
}

describe('the configuration file', () => {
  test('reads both sections, with paths relative to the file and the physnet map as the flag takes it', () => {
    const s = parseConfigFile(
      JSON.stringify({
        '//': 'comments are keys that start with //',
        serve: { listen: '0.0.0.0:8778', db: 'placement.db', 'log-level': 'warn' },
        agent: {
          placement: 'http://controller:8778',
          interval: 30,
          physnet: { ens1f0: 'public', '//': 'x' },
          'token-file': 'token',
        },
      }),
      '/etc/vfnet/vfnet.json',
      files({ '/etc/vfnet/token': 'secret\n' }),
    );
    assert.deepEqual(s, {
      serve: { listen: '0.0.0.0:8778', db: '/etc/vfnet/placement.db', 'log-level': 'warn' },
      agent: { placement: 'http://controller:8778', interval: 30, physnet: ['ens1f0=public'], token: 'secret' },
    });
  });

  test('a PostgreSQL URL is not taken for a relative path', () => {
    const s = parseConfigFile('{"serve":{"db":"postgres://vfnet@db/placement"}}', '/etc/vfnet/vfnet.json');
    assert.equal(s.serve?.db, 'postgres://vfnet@db/placement');
  });

  for (const [text, message] of [
    ['{"serve": {"listen": "x"', /vfnet.json: not JSON/],
    ['[]', /expected an object with "serve" and\/or "agent"/],
    ['{"server": {}}', /unknown section "server"/],
    ['{"agent": {"intervall": 5}}', /agent: unknown key "intervall" \(expected one of placement, db, interval/],
    ['{"agent": {"interval": "60s"}}', /agent.interval: expected a number of seconds ≥ 1, got "60s"/],
    ['{"agent": {"interval": 0}}', /agent.interval: expected a number of seconds ≥ 1/],
    ['{"agent": {"placement": "controller:8778"}}', /agent.placement: expected an http\(s\) URL/],
    ['{"agent": {"physnet": {"ens1f0": 1}}}', /agent.physnet: expected an object of PF → physical network/],
    ['{"agent": {"placement": "http://a:1", "db": "x.db"}}', /give one of "placement", "db", not several/],
    ['{"agent": {"token": "a", "token-file": "t"}}', /give "token" or "token-file", not both/],
    ['{"agent": {"token-file": "missing"}}', /agent.token-file: cannot read \/etc\/vfnet\/missing/],
    ['{"serve": {"log-level": "loud"}}', /serve.log-level: expected fatal, error, warn, info, debug, trace, silent/],
  ] as const) {
    test(`refuses ${text}`, () => {
      assert.throws(
        () => parseConfigFile(text, '/etc/vfnet/vfnet.json', files({ '/etc/vfnet/t': 'x' })),
        (e: Error) => e instanceof ConfigFileError && message.test(e.message),
      );
    });
  }

  test('is optional at the default path, required where it was asked for', () => {
    assert.deepEqual(loadConfigFile({ env: {}, read: files({}) }), { path: null, sections: {} });
    assert.throws(
      () => loadConfigFile({ path: '/srv/vfnet.json', env: {}, read: files({}) }),
      /cannot read the configuration file \/srv\/vfnet.json/,
    );
    assert.throws(() => loadConfigFile({ env: { VFNET_CONFIG: '/srv/v.json' }, read: files({}) }), /\/srv\/v.json/);
    const found = loadConfigFile({
      env: {},
      read: files({ [DEFAULT_CONFIG_PATH]: '{"agent":{"db":"/var/lib/vfnet/vfnet.db"}}' }),
    });
    assert.deepEqual(found, { path: DEFAULT_CONFIG_PATH, sections: { agent: { db: '/var/lib/vfnet/vfnet.db' } } });
  });

  test('--config wins over VFNET_CONFIG, which wins over the default path', () => {
    const read = files({
      '/a.json': '{"serve":{"listen":"a:1"}}',
      '/b.json': '{"serve":{"listen":"b:1"}}',
      [DEFAULT_CONFIG_PATH]: '{}',
    });
    assert.equal(loadConfigFile({ path: '/a.json', env: { VFNET_CONFIG: '/b.json' }, read }).path, '/a.json');
    assert.equal(loadConfigFile({ env: { VFNET_CONFIG: '/b.json' }, read }).path, '/b.json');
  });
});

describe('the file meets the flags', () => {
  test('the file sets what the command line leaves at its default', async () => {
    const o = await optionsOf('serve', [], { serve: { listen: '0.0.0.0:8778', db: '/var/lib/p.db' } });
    assert.equal(o.listen, '0.0.0.0:8778');
    assert.equal(o.db, '/var/lib/p.db');
    assert.equal(o.logLevel, 'info');
  });

  test('a flag on the command line wins over the file', async () => {
    const o = await optionsOf('serve', ['--listen', '127.0.0.1:9999'], {
      serve: { listen: '0.0.0.0:8778', 'log-level': 'warn' },
    });
    assert.equal(o.listen, '127.0.0.1:9999');
    assert.equal(o.logLevel, 'warn');
  });

  test("the agent's values arrive as its own flags would give them", async () => {
    const o = await optionsOf('agent', [], {
      agent: { placement: 'http://c:8778', interval: 30, physnet: ['ens1f0=public'], 'sysfs-root': '/host' },
    });
    assert.deepEqual(
      { placement: o.placement, interval: o.interval, physnet: o.physnet, sysfsRoot: o.sysfsRoot },
      {
        placement: 'http://c:8778',
        interval: 30,
        physnet: ['ens1f0=public'],
        sysfsRoot: '/host',
      },
    );
  });

  test('--db on the command line sets aside the file\'s "placement" (one target, the one asked for)', async () => {
    const o = await optionsOf('agent', ['--db', '/tmp/n.db'], { agent: { placement: 'http://c:8778', interval: 30 } });
    assert.equal(o.db, '/tmp/n.db');
    assert.equal(o.placement, undefined);
    assert.equal(o.interval, 30);
  });

  test('a key for a flag the command lacks is an error, not ignored', () => {
    const program = new Command('vfnet');
    registerServe(program);
    assert.throws(() => applyConfig(program.commands[0]!, { interval: 5 }), /vfnet serve has no --interval/);
  });
});
