// The configuration file with the real commands: vfnet's own command tree (main.ts), its
// actions replaced by a recorder, the file read through an in-memory file system. What is
// checked is what a command's action would receive, and which errors stop it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Command } from 'commander';
import { applyConfig, checkConfig, SECTION_OF, SHARED_WITH_AGENT } from '../../../src/cli/config-apply.js';
import {
  ConfigFileError,
  DEFAULT_CONFIG_PATH,
  loadConfigText,
  parseConfigText,
  SECTIONS,
} from '../../../src/cli/config-file.js';
import { configKeys } from '../../../src/cli/config-keys.js';
import { keyLines } from '../../../src/cli/json-lines.js';
import { vfnetProgram } from '../../../src/cli/main.js';

/** An in-memory file system for the loader. */
function files(map: Record<string, string>) {
  return (p: string) => {
    if (p in map) return map[p]!;
    throw Object.assign(new Error(`ENOENT: no such file, open '${p}'`), { code: 'ENOENT' });
  };
}

interface Ran {
  /** The options the action received; null when it did not run. */
  options: Record<string, unknown> | null;
  sources: (attribute: string) => string | undefined;
}

/** Runs `vfnet <argv>` with the files and environment given; the action only records. */
async function run(argv: string[], fs: Record<string, string>, env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  const program = vfnetProgram({ env, read: files(fs) }).exitOverride();
  const ran: Ran = { options: null, sources: () => undefined };
  for (const c of program.commands) {
    c.exitOverride().action((o: Record<string, unknown>, cmd: Command) => {
      ran.options = o;
      ran.sources = (a) => cmd.getOptionValueSource(a);
    });
  }
  await program.parseAsync(['node', 'vfnet', ...argv]);
  return ran;
}

/** Runs it expecting the file to be refused: the error, and that no action ran. */
async function refused(argv: string[], fs: Record<string, string>, message: RegExp) {
  let ran: Ran | undefined;
  await assert.rejects(
    (async () => {
      ran = await run(argv, fs);
    })(),
    (e: Error) => e instanceof ConfigFileError && message.test(e.message),
  );
  assert.equal(ran, undefined, 'the action ran');
}

const F = '/etc/vfnet/vfnet.json';

describe('every flag of serve and agent has a key', () => {
  const program = vfnetProgram();
  for (const name of SECTIONS) {
    test(`vfnet ${name}: one key per flag, each set by the file`, async () => {
      const command = program.commands.find((c) => c.name() === name)!;
      const keys = configKeys(command);
      const flags = command.options.map((o) => o.long!).filter((l) => l !== '--config');
      assert.ok(flags.length > 5);
      for (const flag of flags) {
        const key = flag.replace(/^--(no-)?/, '');
        assert.ok(keys.has(key), `${flag} has no key in the configuration file`);
        // A repeatable flag must be a list in the file, or a second value would replace the first.
        const option = keys.get(key)!.option;
        if (/repeatable/.test(option.description) || Array.isArray(option.defaultValue))
          assert.match(keys.get(key)!.kind, /list|physnets/, `${flag} is repeatable`);
      }
      assert.equal(keys.size, flags.length);
    });
  }

  test('the keys sweep and doctor share with the agent are flags of the agent and of sweep', () => {
    for (const name of ['agent', 'sweep']) {
      const keys = configKeys(program.commands.find((c) => c.name() === name)!);
      for (const k of SHARED_WITH_AGENT) assert.ok(keys.has(k), `vfnet ${name} --${k}`);
    }
    assert.deepEqual(Object.keys(SECTION_OF).sort(), ['agent', 'doctor', 'serve', 'sweep']);
  });
});

describe('the file sets what the command line and the environment leave at their defaults', () => {
  const fs = {
    [F]: JSON.stringify({
      '//': 'comments are keys that start with //',
      serve: {
        listen: '127.0.0.1:9000',
        db: 'placement.db',
        auth: 'token',
        'token-file': 'tokens.yaml',
        'allowed-host': ['placement.example', 'p2.example'],
        'max-body-bytes': 1024,
        'log-level': 'warn',
        '// tls-cert': 'a commented-out key',
      },
      agent: {
        placement: 'http://controller:8778',
        'token-file': '/etc/vfnet/placement-token',
        interval: 30,
        physnet: { ens1f0: 'public', ens1f1: 'intranet' },
        sweep: false,
        'state-dir': '/srv/state',
        json: true,
      },
    }),
    '/etc/vfnet/tokens.yaml': 'tokens: []',
    '/etc/vfnet/placement-token': 'secret\n',
  };

  test("serve: values as the flags' own parsers give them, paths relative to the file", async () => {
    const { options: o } = await run(['serve'], fs);
    assert.deepEqual(
      {
        listen: o!.listen,
        db: o!.db,
        auth: o!.auth,
        tokenFile: o!.tokenFile,
        allowedHost: o!.allowedHost,
        maxBodyBytes: o!.maxBodyBytes,
        logLevel: o!.logLevel,
        tlsCert: o!.tlsCert,
        policyDefaults: o!.policyDefaults,
      },
      {
        listen: '127.0.0.1:9000',
        db: '/etc/vfnet/placement.db',
        auth: 'token',
        tokenFile: '/etc/vfnet/tokens.yaml',
        allowedHost: ['placement.example', 'p2.example'],
        maxBodyBytes: 1024,
        logLevel: 'warn',
        tlsCert: undefined,
        policyDefaults: 'secure',
      },
    );
  });

  test("agent: its placement, its token file's path, the physnet map as --physnet's list", async () => {
    const r = await run(['agent'], fs);
    const o = r.options!;
    assert.deepEqual(
      [o.placement, o.tokenFile, o.interval, o.physnet, o.sweep, o.stateDir, o.json, o.db],
      [
        'http://controller:8778',
        '/etc/vfnet/placement-token',
        30,
        ['ens1f0=public', 'ens1f1=intranet'],
        false,
        '/srv/state',
        true,
        undefined,
      ],
    );
    assert.equal(r.sources('placement'), 'config');
  });

  test('a flag on the command line wins over the file; the rest of the file still applies', async () => {
    const r = await run(['serve', '--listen', '127.0.0.1:9999', '--auth', 'noauth2'], fs);
    assert.equal(r.options!.listen, '127.0.0.1:9999');
    assert.equal(r.options!.auth, 'noauth2');
    assert.equal(r.sources('listen'), 'cli');
    assert.equal(r.options!.logLevel, 'warn');
  });

  test('--physnet on the command line replaces the whole file list, as one flag', async () => {
    const { options } = await run(['agent', '--physnet', 'ens2=x'], fs);
    assert.deepEqual(options!.physnet, ['ens2=x']);
  });

  test('--db on the command line sets aside the file\'s "placement": one target, the one asked for', async () => {
    const { options } = await run(['agent', '--db', '/tmp/n.db'], fs);
    assert.equal(options!.db, '/tmp/n.db');
    assert.equal(options!.placement, undefined);
    assert.equal(options!.interval, 30);
  });

  test("the environment wins over the file: VFNET_TOKEN over the file's token-file, VFNET_STATE_DIR over state-dir", async () => {
    const { options } = await run(['agent'], fs, { VFNET_TOKEN: 't', VFNET_STATE_DIR: '/env/state' });
    assert.equal(options!.tokenFile, undefined);
    assert.notEqual(options!.stateDir, '/srv/state');
    const serve = await run(
      ['serve'],
      { ...fs, [F]: '{"serve":{"db-file":"url"}}', '/etc/vfnet/url': 'x' },
      {
        VFNET_DB_URL: 'postgres://x',
      },
    );
    assert.equal(serve.options!.dbFile, undefined);
  });

  test("sweep and doctor take the node's keys from the agent's section, nothing else", async () => {
    const node = { [F]: '{"agent":{"db":"/srv/node.db","state-dir":"/srv/state","interval":5,"json":true}}' };
    for (const name of ['sweep', 'doctor']) {
      const { options } = await run([name], node);
      assert.equal(options!.db, '/srv/node.db', name);
      assert.equal(options!.stateDir, '/srv/state', name);
      assert.equal(options!.json, undefined, name);
    }
    // The agent's bare --db ("true": VFNET_DB, else the default) is not a path sweep could take.
    const { options } = await run(['doctor'], { [F]: '{"agent":{"db":true}}' });
    assert.equal(options!.db, undefined);
  });

  test('--config names another file; VFNET_CONFIG does when --config is not given', async () => {
    const two = {
      ...fs,
      '/srv/a.json': '{"serve":{"listen":"127.0.0.1:1"}}',
      '/srv/b.json': '{"serve":{"listen":"127.0.0.1:2"}}',
    };
    assert.equal(
      (await run(['serve', '--config', '/srv/a.json'], two, { VFNET_CONFIG: '/srv/b.json' })).options!.listen,
      '127.0.0.1:1',
    );
    assert.equal((await run(['serve'], two, { VFNET_CONFIG: '/srv/b.json' })).options!.listen, '127.0.0.1:2');
  });

  test('without a file at the default path, the defaults stand', async () => {
    const { options } = await run(['serve'], {});
    assert.equal(options!.listen, '127.0.0.1:8778');
    assert.equal(loadConfigText({ env: {}, read: files({}) }).path, null);
  });
});

describe('a mistake in the file stops the command, naming the file, the line and the key', () => {
  const cases: [string, string, RegExp][] = [
    [
      'agent',
      '{"agent": {\n  "interval": 5,\n  "intervall": 5}}',
      /vfnet.json:3: agent: unknown key "intervall" \(the keys are the long flags of vfnet agent: placement, db/,
    ],
    ['agent', '{"agent": {\n  "interval": "60s"}}', /vfnet.json:2: agent.interval: .*expected a number of seconds ≥ 1/],
    ['agent', '{"agent": {"interval": true}}', /:1: agent.interval: expected a string or a number, got true/],
    [
      'agent',
      '{"agent": {"placement": "http://a:1",\n "db": "x.db"}}',
      /:2: agent: give one of "placement", "db", not several/,
    ],
    ['agent', '{"agent": {"physnet": {"ens1f0": 1}}}', /agent.physnet: expected an object of PF → physical network/],
    ['agent', '{"agent": {"once": "yes"}}', /agent.once: expected true or false, got "yes"/],
    [
      'agent',
      '{"agent": {\n"token": "s3cret"}}',
      /vfnet.json:2: agent.token: a secret does not go in this file: .* "token-file"/,
    ],
    [
      'agent',
      '{"agent": {\n\n"token-file": "s3cret-token-value"}}',
      /:3: agent.token-file: cannot read the file it names \(ENOENT\): this key takes the path of a file that holds the secret/,
    ],
    [
      'serve',
      '{"serve": {"tls-key": "/etc/vfnet/missing.pem"}}',
      /serve.tls-key: cannot read \/etc\/vfnet\/missing.pem \(ENOENT\)/,
    ],
    [
      'serve',
      '{"serve": {"db": "postgres://vfnet:pw@db/placement"}}',
      /serve.db: the URL holds a password: .*"db-file", or in VFNET_DB_URL/,
    ],
    ['serve', '{"serve": {"auth": "none"}}', /serve.auth: expected one of noauth2, token, keystone, got "none"/],
    ['serve', '{"serve": {"max-body-bytes": -1}}', /serve.max-body-bytes: --max-body-bytes must be a whole number/],
    ['serve', '{"serve": {"allowed-host": "a"}}', /serve.allowed-host: expected a list of strings/],
    [
      'serve',
      '{"serve": {\n "listen": "a:1",\n "listen": "b:1"}}',
      /vfnet.json:3: serve.listen is given twice \(lines 2, 3\)/,
    ],
    ['serve', '{"server": {}}', /unknown section "server" \(expected serve, agent\)/],
    ['serve', '[]', /expected an object with "serve" and\/or "agent"/],
    ['serve', '{"serve": {"listen": "x"', /vfnet.json(:\d+)?: not JSON/],
    // The whole file is checked, whichever command reads it.
    ['serve', '{"serve": {}, "agent": {"intervall": 1}}', /agent: unknown key "intervall"/],
  ];
  for (const [command, text, message] of cases) {
    test(`vfnet ${command} refuses ${JSON.stringify(text)}`, async () => {
      await refused([command], { [F]: text, '/etc/vfnet/t': 'x' }, message);
    });
  }

  test('an error about a secret in the wrong place does not repeat the secret (errors go to logs)', async () => {
    for (const text of ['{"agent": {"token": "s3cret-value"}}', '{"agent": {"token-file": "s3cret-value"}}']) {
      await assert.rejects(run(['agent'], { [F]: text }), (e: Error) => {
        assert.ok(e instanceof ConfigFileError);
        assert.doesNotMatch(e.message, /s3cret/);
        return true;
      });
    }
  });

  test('a file asked for must exist', async () => {
    await refused(
      ['agent', '--config', '/srv/none.json'],
      {},
      /cannot read the configuration file \/srv\/none.json: ENOENT/,
    );
    await assert.rejects(
      run(['agent'], {}, { VFNET_CONFIG: '/srv/v.json' }),
      /cannot read the configuration file \/srv\/v.json/,
    );
  });
});

describe('the pieces', () => {
  test('keyLines finds each key of the first two levels, every time it is given', () => {
    const text = '{\n "a": {"x": 1,\n  "y": {"deep": 2}},\n "b": [ {"z": 3} ],\n "a": 1\n}';
    const lines = keyLines(text);
    assert.deepEqual(Object.fromEntries(lines), { a: [2, 5], 'a\0x': [2], 'a\0y': [3], b: [4] });
  });

  test('keyLines is not fooled by quotes, colons and braces inside strings', () => {
    const lines = keyLines('{"s": {"k\\"{:": "v}\\": x",\n"n": "{"}}');
    assert.deepEqual(Object.fromEntries(lines), { s: [1], 's\0k"{:': [1], 's\0n': [2] });
  });

  test('checkConfig and applyConfig, without the hook: a checked value lands with source "config"', () => {
    const program = vfnetProgram();
    const raw = { path: F, sections: parseConfigText('{"serve": {"listen": "127.0.0.1:5"}}', F) };
    const serve = program.commands.find((c) => c.name() === 'serve')!;
    assert.deepEqual(applyConfig(serve, checkConfig(program, raw, files({})), {}), ['listen']);
    assert.equal(serve.getOptionValueSource('listen'), 'config');
    assert.equal(DEFAULT_CONFIG_PATH, F);
  });
});
