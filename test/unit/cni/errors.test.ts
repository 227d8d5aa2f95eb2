import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CniCode, CniError, parseCniErrorJson } from '../../../src/cni/index.js';

test('spec codes have their spec numbers', () => {
  assert.deepEqual(
    [
      CniCode.IncompatibleVersion,
      CniCode.UnsupportedField,
      CniCode.UnknownContainer,
      CniCode.InvalidEnvironment,
      CniCode.IoFailure,
      CniCode.DecodingFailure,
      CniCode.InvalidConfig,
      CniCode.InvalidNetns,
      CniCode.TryAgainLater,
      CniCode.NotAvailable,
      CniCode.LimitedConnectivity,
      CniCode.Internal,
    ],
    [1, 2, 3, 4, 5, 6, 7, 8, 11, 50, 51, 999],
  );
});

test('error JSON has cniVersion, code, msg and details', () => {
  const e = new CniError(CniCode.InvalidConfig, 'invalid network config', 'vlan id 4095 invalid');
  assert.equal(
    JSON.stringify(e.toJson('1.0.0')),
    '{"cniVersion":"1.0.0","code":7,"msg":"invalid network config","details":"vlan id 4095 invalid"}',
  );
});

test('error JSON leaves details out when empty', () => {
  const json = new CniError(CniCode.TryAgainLater, 'busy').toJson('1.1.0');
  assert.deepEqual(json, { cniVersion: '1.1.0', code: 11, msg: 'busy' });
  assert.equal('details' in json, false);
});

test('CniError is an Error whose message joins msg and details', () => {
  const e = new CniError(CniCode.IoFailure, 'cannot write', 'EACCES');
  assert.ok(e instanceof Error);
  assert.equal(e.message, 'cannot write: EACCES');
  assert.equal(new CniError(5, 'x').message, 'x');
});

test('parseCniErrorJson reads a delegate error and rejects anything else', () => {
  const e = parseCniErrorJson(
    '{"cniVersion":"1.0.0","code":11,"msg":"no IP addresses available","details":"range full"}',
  );
  assert.ok(e);
  assert.equal(e.code, 11);
  assert.equal(e.msg, 'no IP addresses available');
  assert.equal(e.details, 'range full');
  assert.equal(parseCniErrorJson(''), null);
  assert.equal(parseCniErrorJson('not json'), null);
  assert.equal(parseCniErrorJson('{"msg":"no code"}'), null);
  assert.equal(parseCniErrorJson('[1]'), null);
});
