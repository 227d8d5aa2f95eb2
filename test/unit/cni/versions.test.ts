import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  commandAllowed,
  compareVersions,
  isSupportedVersion,
  SUPPORTED_VERSIONS,
  versionAtLeast,
} from '../../../src/cni/index.js';

test('supported versions are exactly the seven spec versions, oldest first', () => {
  assert.deepEqual([...SUPPORTED_VERSIONS], ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0']);
  const sorted = [...SUPPORTED_VERSIONS].sort(compareVersions);
  assert.deepEqual(sorted, [...SUPPORTED_VERSIONS]);
});

test('versions compare numerically, not as strings', () => {
  assert.ok(compareVersions('0.10.0', '0.4.0') > 0);
  assert.ok(compareVersions('1.0.0', '0.4.0') > 0);
  assert.equal(compareVersions('0.3.1', '0.3.1'), 0);
  assert.ok(compareVersions('0.3.0', '0.3.1') < 0);
  assert.throws(() => compareVersions('1.0', '1.0.0'), TypeError);
});

test('versionAtLeast', () => {
  assert.equal(versionAtLeast('0.4.0', '0.4.0'), true);
  assert.equal(versionAtLeast('0.3.1', '0.4.0'), false);
  assert.equal(versionAtLeast('1.1.0', '0.4.0'), true);
  assert.equal(versionAtLeast('garbage', '0.1.0'), false);
});

test('isSupportedVersion', () => {
  assert.equal(isSupportedVersion('1.0.0'), true);
  assert.equal(isSupportedVersion('1.2.0'), false);
  assert.equal(isSupportedVersion(1), false);
});

test('CHECK needs 0.4.0, STATUS and GC need 1.1.0, ADD and DEL any version', () => {
  for (const v of SUPPORTED_VERSIONS) {
    assert.equal(commandAllowed('ADD', v), true, v);
    assert.equal(commandAllowed('DEL', v), true, v);
    assert.equal(commandAllowed('CHECK', v), versionAtLeast(v, '0.4.0'), v);
    assert.equal(commandAllowed('STATUS', v), v === '1.1.0', v);
    assert.equal(commandAllowed('GC', v), v === '1.1.0', v);
  }
  assert.equal(commandAllowed('CHECK', '0.3.1'), false);
});
