import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { HostError } from '../../../src/host/ports.js';
import { DirStateFiles } from '../../../src/host/state-files.js';

const base = mkdtempSync(join(tmpdir(), 'vfnet-state-test-'));
after(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(base, `s${++n}`, 'nested');

function errnoOf(fn: () => unknown): string | null {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof HostError);
    return err.errno;
  }
  assert.fail('expected a HostError');
}

describe('DirStateFiles', () => {
  it('sweeps the temporary files of dead writers only', () => {
    const dir = freshDir();
    const state = new DirStateFiles(dir);
    state.writeJson('att-c1-net1.json', { a: 1 });
    writeFileSync(join(dir, '.tmp-att-c2-net1.json-111-abcdefgh'), '{"half":');
    writeFileSync(join(dir, '.tmp-att-c3-net1.json-222-abcdefgh'), '{}');
    assert.equal(
      state.sweepAbandoned((pid) => pid === 222),
      1,
    );
    assert.deepEqual(readdirSync(dir).sort(), ['.tmp-att-c3-net1.json-222-abcdefgh', 'att-c1-net1.json']);
  });
  it('creates the directory 0700 on first write and files 0600', () => {
    const dir = freshDir();
    const state = new DirStateFiles(dir);
    assert.deepEqual(state.list(), []);
    state.writeJson('c1-net1', { a: 1 });
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, 'c1-net1')).mode & 0o777, 0o600);
    assert.deepEqual(state.readJson('c1-net1'), { a: 1 });
  });

  it('replaces content atomically and leaves no temporary file behind', () => {
    const state = new DirStateFiles(freshDir());
    state.writeJson('x', { v: 1 });
    state.writeJson('x', { v: 2 });
    assert.deepEqual(state.readJson('x'), { v: 2 });
    assert.deepEqual(readdirSync(state.dir), ['x']);
  });

  it('reads a missing file as null and a corrupt one as EBADMSG', () => {
    const state = new DirStateFiles(freshDir());
    assert.equal(state.readJson('nope'), null);
    state.writeJson('ok', 1);
    writeFileSync(join(state.dir, 'bad'), '{"half');
    writeFileSync(join(state.dir, 'empty'), '');
    assert.equal(
      errnoOf(() => state.readJson('bad')),
      'EBADMSG',
    );
    assert.equal(
      errnoOf(() => state.readJson('empty')),
      'EBADMSG',
    );
  });

  it('lists by prefix, sorted, without temporary files', () => {
    const state = new DirStateFiles(freshDir());
    for (const name of ['b-1', 'a-2', 'a-1']) state.writeJson(name, name);
    writeFileSync(join(state.dir, '.tmp-a-3-123-abc'), '');
    assert.deepEqual(state.list(), ['a-1', 'a-2', 'b-1']);
    assert.deepEqual(state.list('a-'), ['a-1', 'a-2']);
  });

  it('removes idempotently', () => {
    const state = new DirStateFiles(freshDir());
    state.writeJson('x', 1);
    state.remove('x');
    state.remove('x');
    assert.equal(state.readJson('x'), null);
  });

  it('rejects names that are not one path component', () => {
    const state = new DirStateFiles(freshDir());
    for (const bad of ['', '.', '..', 'a/b', '../x'])
      assert.equal(
        errnoOf(() => state.writeJson(bad, 1)),
        'EINVAL',
      );
  });

  it('maps an unwritable directory to its errno and says so in writable()', () => {
    const parent = join(base, `ro${++n}`);
    const ok = new DirStateFiles(parent);
    ok.writeJson('seed', 1);
    assert.equal(ok.writable(), true);
    // Root ignores permissions; a path under a regular file fails for everybody.
    const underFile = new DirStateFiles(join(parent, 'seed', 'sub'));
    assert.equal(underFile.writable(), false);
    assert.equal(
      errnoOf(() => underFile.writeJson('x', 1)),
      'ENOTDIR',
    );
    if (process.getuid?.() !== 0) {
      chmodSync(parent, 0o500);
      try {
        assert.equal(
          errnoOf(() => ok.writeJson('x', 1)),
          'EACCES',
        );
        assert.equal(ok.writable(), false);
      } finally {
        chmodSync(parent, 0o700);
      }
    }
  });
});
