// src/os/path.ts must answer as node:path's POSIX functions do, for every shape of path: the
// plugin's modules use it in their place. The corpus covers roots, repeated and trailing
// slashes, '.', '..' above the root and above a relative start, and empty parts.
import assert from 'node:assert/strict';
import * as nodePath from 'node:path';
import { test } from 'node:test';
import { basename, dirname, join, normalize, resolve } from '../../../src/os/path.js';

const CORPUS = [
  '',
  '/',
  '//',
  '///',
  '.',
  './',
  '..',
  '../',
  'a',
  'a/',
  'a//',
  '/a',
  '//a',
  '/a/',
  '/a/b',
  '/a/b/',
  'a/b/c',
  'a/./b',
  'a/../b',
  'a/../../b',
  '../../a',
  '/../a',
  '/a/b/../../..',
  '/a/./b/./',
  'sys/bus/pci/devices/0000:3b:10.2/physfn',
  '/var/run/netns/x',
  '.hidden',
  'a/.hidden/',
  '...',
  'a/.../b',
];

test('normalize, dirname and basename answer as node:path.posix on the corpus', () => {
  for (const p of CORPUS) {
    assert.equal(normalize(p), nodePath.posix.normalize(p), `normalize(${JSON.stringify(p)})`);
    assert.equal(dirname(p), nodePath.posix.dirname(p), `dirname(${JSON.stringify(p)})`);
    assert.equal(basename(p), nodePath.posix.basename(p), `basename(${JSON.stringify(p)})`);
  }
});

test('join and resolve answer as node:path.posix for every pair from the corpus', () => {
  for (const a of CORPUS)
    for (const b of CORPUS) {
      assert.equal(join(a, b), nodePath.posix.join(a, b), `join(${JSON.stringify(a)}, ${JSON.stringify(b)})`);
      assert.equal(resolve(a, b), nodePath.posix.resolve(a, b), `resolve(${JSON.stringify(a)}, ${JSON.stringify(b)})`);
    }
  assert.equal(join(), nodePath.posix.join());
  assert.equal(resolve(), nodePath.posix.resolve());
  assert.equal(join('a', '', 'b', '..', 'c'), nodePath.posix.join('a', '', 'b', '..', 'c'));
  assert.equal(resolve('/x', 'y', '/z', 'w'), '/z/w');
});
