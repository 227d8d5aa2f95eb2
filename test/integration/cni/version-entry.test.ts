// The executable answers VERSION in its entry point, before the dispatcher is loaded (src/bin/sriov.ts):
// that answer must be the dispatcher's, byte for byte, whatever stdin and CNI_COMMAND's case say.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runPlugin } from '../../../src/cni/skel.js';
import { run } from '../../support/exec.js';
import { SRIOV_BIN } from '../../support/paths.js';

const refuse = () => {
  throw new Error('VERSION must not reach a handler');
};
const handlers = { add: refuse, del: refuse, check: refuse, status: refuse, gc: refuse };

async function dispatcherAnswer(command: string, stdin: string): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await runPlugin(handlers, {
    env: { CNI_COMMAND: command },
    stdin: Buffer.from(stdin),
    stdout: (t) => {
      out += t;
    },
    stderr: () => {},
  });
  return { code, out };
}

const STDINS = [
  '',
  '{"cniVersion":"0.4.0","name":"n","type":"sriov"}',
  '{"cniVersion":"0.3.1"}',
  '{"cniVersion":"9.9.9"}',
  '{"cniVersion":4}',
  'not json',
  'null',
  '{"cniVersion":"1.0.0","name":"é\\u0000"}',
];

test('the entry point answers VERSION exactly as the dispatcher does', async () => {
  for (const command of ['VERSION', 'version', 'Version']) {
    for (const stdin of STDINS) {
      const want = await dispatcherAnswer(command, stdin);
      const got = await run(SRIOV_BIN, [], { env: { CNI_COMMAND: command }, cleanEnv: true, input: stdin });
      assert.equal(got.status, want.code, `${command} ${stdin}`);
      assert.equal(got.stdout, want.out, `${command} ${stdin}`);
      assert.equal(got.stderr, '', `${command} ${stdin}: nothing on stderr`);
    }
  }
});

test('VERSION answers the caller its version when we speak it, else the newest', async () => {
  const r = await run(SRIOV_BIN, [], {
    env: { CNI_COMMAND: 'VERSION' },
    cleanEnv: true,
    input: '{"cniVersion":"0.4.0"}',
  });
  assert.equal(JSON.parse(r.stdout).cniVersion, '0.4.0');
  const r2 = await run(SRIOV_BIN, [], {
    env: { CNI_COMMAND: 'VERSION' },
    cleanEnv: true,
    input: '{"cniVersion":"2.0.0"}',
  });
  assert.equal(JSON.parse(r2.stdout).cniVersion, '1.1.0');
});

test('other commands still go through the dispatcher: an unknown command and a missing one are refused', async () => {
  const bogus = await run(SRIOV_BIN, [], { env: { CNI_COMMAND: 'VERSIONX' }, cleanEnv: true, input: '' });
  assert.equal(bogus.status, 1);
  assert.equal(JSON.parse(bogus.stdout).code, 4);
  const none = await run(SRIOV_BIN, [], { env: {}, cleanEnv: true, input: '' });
  assert.equal(none.status, 1);
  assert.equal(JSON.parse(none.stdout).code, 4);
});
