// The accounting behind each model target: the embedded store for a file: URL, HTTP otherwise,
// one instance per target.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accountingByTarget } from '../../../src/accounting/by-target.js';
import { HttpVfAccounting } from '../../../src/accounting/http-accounting.js';
import { StoreVfAccounting } from '../../../src/accounting/store-accounting.js';

describe('accountingByTarget', () => {
  it('answers a file: target from the store, a URL over HTTP, and reuses each', async () => {
    const accountingFor = await accountingByTarget('00000000-0000-4000-8000-000000000001', null);
    const embedded = accountingFor('file:///var/lib/vfnet/vfnet.db');
    const remote = accountingFor('http://placement:8778');
    assert.ok(embedded instanceof StoreVfAccounting);
    assert.ok(remote instanceof HttpVfAccounting);
    assert.equal(embedded.target, 'file:///var/lib/vfnet/vfnet.db');
    assert.equal(remote.target, 'http://placement:8778');
    assert.equal(accountingFor('file:///var/lib/vfnet/vfnet.db'), embedded);
    assert.equal(accountingFor('http://placement:8778'), remote);
    assert.notEqual(accountingFor('http://other:8778'), remote);
  });
});
