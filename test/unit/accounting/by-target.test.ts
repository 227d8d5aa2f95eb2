// The accounting behind each model target: the embedded store for a file: URL, HTTP otherwise,
// one instance per target.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { accountingByTarget } from '../../../src/accounting/by-target.js';
import { HttpVfAccounting } from '../../../src/accounting/http-accounting.js';
import { nodeDbTarget } from '../../../src/store/node-paths.js';

const dir = mkdtempSync(join(tmpdir(), 'vfnet-by-target-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('accountingByTarget', () => {
  it('answers a file: target from the store, a URL over HTTP, and reuses each', async () => {
    const asked: string[] = [];
    const accountingFor = await accountingByTarget(
      () => {
        asked.push('root');
        return '00000000-0000-4000-8000-000000000001';
      },
      () => {
        asked.push('token');
        return null;
      },
    );
    // Neither the root provider nor the token is worked out before a target is used.
    assert.deepEqual(asked, []);
    const file = join(dir, 'vfnet.db');
    const embedded = accountingFor(nodeDbTarget(file));
    const remote = accountingFor('http://placement:8778');
    assert.ok(remote instanceof HttpVfAccounting);
    assert.ok(!(embedded instanceof HttpVfAccounting));
    assert.equal(embedded.target, nodeDbTarget(file));
    assert.equal(remote.target, 'http://placement:8778');
    assert.equal(accountingFor(nodeDbTarget(file)), embedded);
    assert.equal(accountingFor('http://placement:8778'), remote);
    assert.notEqual(accountingFor('http://other:8778'), remote);
    // The root provider once; a token for each service, none for the embedded store.
    assert.deepEqual(asked, ['root', 'token', 'token']);
    // The store's answers for a file that holds no model: no PF, nothing to claim; and no file made.
    assert.deepEqual(await embedded.candidatePfs('CUSTOM_PHYSNET_X'), []);
    assert.equal(await embedded.knows('00000000-0000-4000-8000-000000000002'), false);
    assert.equal(await embedded.claim('00000000-0000-4000-8000-000000000003', 'p', 'n'), false);
    assert.equal(existsSync(file), false);
  });
});
