// The file calls of src/os/fs.ts, one contract for both implementations: node:fs (under Node) and
// libc through bun:ffi (src/os/bun-fs.ts, what the compiled plugin uses; scripts/test.mjs runs this
// file again with `bun test`, where the Node side is skipped). Each case states what Node does, so
// the libc side is held to Node's answers: values, error codes, errnos, syscalls, paths, messages.
// stat(1) and /proc/self/fdinfo are the outside witnesses for what stat and open report.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import * as seam from '../../../src/os/fs.js';

type Fs = typeof seam;
const underBun = typeof (globalThis as { Bun?: unknown }).Bun !== 'undefined';
// Imported only under Bun: bun-fs.js imports bun:ffi.
const bunFs = underBun
  ? ((await import('../../../src/os/bun-fs.js')).bunFileSystem() as unknown as Fs)
  : (null as unknown as Fs);

const scratch = nodeFs.mkdtempSync(join(tmpdir(), 'vfnet-fs-'));
after(() => nodeFs.rmSync(scratch, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => {
  const d = join(scratch, `case${n++}`);
  nodeFs.mkdirSync(d);
  return d;
};

/** Runs fn, which must throw; returns the error's Node fields. */
function failure(fn: () => unknown): {
  code: string;
  errno: number;
  syscall: string;
  path?: string;
  dest?: string;
  message: string;
} {
  try {
    fn();
  } catch (e) {
    return e as never;
  }
  assert.fail('expected a failure');
}

test('under Bun the seam is libc through bun:ffi, under Node it is node:fs', () => {
  if (underBun) assert.notEqual(seam.readFileSync, nodeFs.readFileSync);
  else assert.equal(seam.readFileSync, nodeFs.readFileSync);
});

test('fsReady settles (a process that awaits it before its first call must not hang), then the seam serves calls', async () => {
  await seam.fsReady;
  assert.ok(seam.readFileSync('/proc/self/comm', 'utf8').length > 0);
});

for (const { name, skip, fs } of [
  { name: 'node:fs', skip: underBun && 'runs under Node', fs: nodeFs as unknown as Fs },
  { name: 'libc (bun:ffi)', skip: !underBun && 'needs Bun', fs: bunFs },
])
  describe(name, { skip }, () => {
    test('a file written is read back as UTF-8, latin1 and bytes, also past one read chunk', () => {
      const d = fresh();
      const p = join(d, 'f');
      fs.writeFileSync(p, 'héllo\n');
      assert.equal(fs.readFileSync(p, 'utf8'), 'héllo\n');
      assert.equal(fs.readFileSync(p, 'latin1'), Buffer.from('héllo\n').toString('latin1'));
      assert.deepEqual([...(fs.readFileSync(p) as Buffer)], [...Buffer.from('héllo\n')]);
      // Every byte differs from its neighbours, so a chunk read over another would show.
      const big = `${Array.from({ length: 200_000 }, (_, i) => String.fromCharCode(97 + (i % 23))).join('')}é`;
      fs.writeFileSync(p, big);
      assert.equal(fs.readFileSync(p, 'utf8'), big);
      fs.writeFileSync(p, Buffer.from([0, 1, 2]));
      assert.deepEqual([...(fs.readFileSync(p) as Buffer)], [0, 1, 2]);
    });

    test('files of /proc and /sys, which say they are empty or a page long, are read whole', () => {
      assert.match(fs.readFileSync('/proc/self/stat', 'utf8'), /^\d+ \(/);
      assert.equal(
        fs.readFileSync('/proc/sys/kernel/hostname', 'utf8'),
        nodeFs.readFileSync('/proc/sys/kernel/hostname', 'utf8'),
      );
    });

    test("writeFileSync with flag 'wx' refuses an existing file and sets the mode it is given", () => {
      const d = fresh();
      const p = join(d, 'f');
      fs.writeFileSync(p, 'a', { mode: 0o600, flag: 'wx' });
      assert.equal(nodeFs.statSync(p).mode & 0o777, 0o600);
      const e = failure(() => fs.writeFileSync(p, 'b', { mode: 0o600, flag: 'wx' }));
      assert.equal(e.code, 'EEXIST');
      assert.equal(e.errno, -17);
      assert.equal(e.syscall, 'open');
      assert.equal(e.path, p);
      assert.equal(e.message, `EEXIST: file already exists, open '${p}'`);
      assert.equal(nodeFs.readFileSync(p, 'utf8'), 'a');
    });

    test('a missing file: ENOENT from open, with the path, as Node words it', () => {
      const p = join(fresh(), 'missing');
      const e = failure(() => fs.readFileSync(p, 'utf8'));
      assert.deepEqual([e.code, e.errno, e.syscall, e.path], ['ENOENT', -2, 'open', p]);
      assert.equal(e.message, `ENOENT: no such file or directory, open '${p}'`);
      assert.equal(fs.existsSync(p), false);
      assert.equal(fs.existsSync(undefined as unknown as string), false);
      assert.equal(fs.existsSync(`${p}\0x`), false);
    });

    test('reading a directory fails in read(2) with EISDIR', () => {
      const e = failure(() => fs.readFileSync(fresh(), 'utf8'));
      assert.deepEqual([e.code, e.syscall], ['EISDIR', 'read']);
    });

    test('a path with a NUL byte is refused before any call', () => {
      const e = failure(() => fs.readFileSync(join(fresh(), 'a\0b'), 'utf8'));
      assert.equal(e.code, 'ERR_INVALID_ARG_VALUE');
    });

    test('stat and lstat agree with stat(1): device, inode, size, mode; lstat does not follow links', () => {
      const d = fresh();
      const p = join(d, 'f');
      nodeFs.writeFileSync(p, 'abc');
      nodeFs.symlinkSync('f', join(d, 'l'));
      const [dev, ino, size, mode] = spawnSync('stat', ['-c', '%d %i %s %f', p], { encoding: 'utf8' })
        .stdout.trim()
        .split(' ');
      const st = fs.statSync(p);
      assert.deepEqual(
        [st.dev, st.ino, st.size, st.mode],
        [Number(dev), Number(ino), Number(size), Number.parseInt(mode!, 16)],
      );
      assert.ok(st.isFile() && !st.isDirectory() && !st.isSymbolicLink());
      assert.ok(Math.abs(st.mtimeMs - nodeFs.statSync(p).mtimeMs) < 1);
      assert.equal(fs.statSync(join(d, 'l')).ino, st.ino);
      assert.ok(fs.lstatSync(join(d, 'l')).isSymbolicLink());
      assert.ok(fs.statSync(d).isDirectory());
      const e = failure(() => fs.statSync(join(d, 'missing')));
      assert.deepEqual([e.code, e.syscall], ['ENOENT', 'stat']);
      assert.equal(failure(() => fs.lstatSync(join(d, 'missing'))).syscall, 'lstat');
    });

    test("a netns file's device and inode are those stat(1) sees (how the plugin compares namespaces)", () => {
      const [dev, ino] = spawnSync('stat', ['-L', '-c', '%d %i', '/proc/self/ns/net'], { encoding: 'utf8' })
        .stdout.trim()
        .split(' ');
      const st = fs.statSync('/proc/self/ns/net');
      assert.deepEqual([st.dev, st.ino], [Number(dev), Number(ino)]);
    });

    test('accessSync(X_OK) passes an executable and refuses a file without x bits', () => {
      const d = fresh();
      const p = join(d, 'f');
      nodeFs.writeFileSync(p, '', { mode: 0o644 });
      fs.accessSync('/bin/sh', fs.constants.X_OK);
      const e = failure(() => fs.accessSync(p, fs.constants.X_OK));
      assert.deepEqual([e.code, e.syscall, e.path], ['EACCES', 'access', p]);
    });

    test('mkdirSync: recursive creates the parents with the mode and answers the first it made', () => {
      const d = fresh();
      const deep = join(d, 'a', 'b', 'c');
      assert.equal(fs.mkdirSync(deep, { recursive: true, mode: 0o700 }), join(d, 'a'));
      assert.equal(nodeFs.statSync(join(d, 'a', 'b')).mode & 0o777, 0o700);
      assert.equal(fs.mkdirSync(deep, { recursive: true, mode: 0o700 }), undefined);
      const e = failure(() => fs.mkdirSync(deep));
      assert.deepEqual([e.code, e.syscall, e.path], ['EEXIST', 'mkdir', deep]);
      nodeFs.writeFileSync(join(d, 'file'), '');
      assert.equal(failure(() => fs.mkdirSync(join(d, 'file', 'x'), { recursive: true })).code, 'ENOTDIR');
      assert.equal(failure(() => fs.mkdirSync(join(d, 'file'), { recursive: true })).code, 'EEXIST');
    });

    test('rename and link name both paths in their errors; link refuses an existing name', () => {
      const d = fresh();
      const a = join(d, 'a');
      const b = join(d, 'b');
      const e = failure(() => fs.renameSync(a, b));
      assert.deepEqual([e.code, e.syscall, e.path, e.dest], ['ENOENT', 'rename', a, b]);
      assert.equal(e.message, `ENOENT: no such file or directory, rename '${a}' -> '${b}'`);
      nodeFs.writeFileSync(a, '1');
      fs.renameSync(a, b);
      assert.equal(nodeFs.readFileSync(b, 'utf8'), '1');
      fs.linkSync(b, a);
      assert.equal(nodeFs.statSync(a).ino, nodeFs.statSync(b).ino);
      const l = failure(() => fs.linkSync(b, a));
      assert.deepEqual([l.code, l.syscall, l.path, l.dest], ['EEXIST', 'link', b, a]);
      fs.unlinkSync(a);
      assert.equal(nodeFs.existsSync(a), false);
      assert.deepEqual(
        [failure(() => fs.unlinkSync(a)).code, failure(() => fs.unlinkSync(a)).syscall],
        ['ENOENT', 'unlink'],
      );
    });

    test('chmod, readlink and realpath', () => {
      const d = fresh();
      const p = join(d, 'f');
      nodeFs.writeFileSync(p, '');
      fs.chmodSync(p, 0o640);
      assert.equal(nodeFs.statSync(p).mode & 0o777, 0o640);
      nodeFs.mkdirSync(join(d, 'sub'));
      nodeFs.symlinkSync('../f', join(d, 'sub', 'up'));
      assert.equal(fs.readlinkSync(join(d, 'sub', 'up')), '../f');
      assert.deepEqual(
        [failure(() => fs.readlinkSync(p)).code, failure(() => fs.readlinkSync(p)).syscall],
        ['EINVAL', 'readlink'],
      );
      assert.equal(fs.realpathSync(join(d, 'sub', '..', 'sub', 'up')), nodeFs.realpathSync(p));
      assert.equal(failure(() => fs.realpathSync(join(d, 'nope', 'x'))).code, 'ENOENT');
    });

    test('readdirSync: names in byte order without . and ..; with types; ENOENT and ENOTDIR', () => {
      const d = fresh();
      for (const f of ['b', 'a', 'C', '.hidden', 'é']) nodeFs.writeFileSync(join(d, f), '');
      nodeFs.mkdirSync(join(d, 'dir'));
      nodeFs.symlinkSync('a', join(d, 'link'));
      assert.deepEqual(fs.readdirSync(d), ['.hidden', 'C', 'a', 'b', 'dir', 'link', 'é']);
      const typed = fs.readdirSync(d, { withFileTypes: true });
      assert.deepEqual(
        typed.map((e) => [e.name, e.isFile(), e.isDirectory(), e.isSymbolicLink()]),
        [
          ['.hidden', true, false, false],
          ['C', true, false, false],
          ['a', true, false, false],
          ['b', true, false, false],
          ['dir', false, true, false],
          ['link', false, false, true],
          ['é', true, false, false],
        ],
      );
      const e = failure(() => fs.readdirSync(join(d, 'missing')));
      assert.deepEqual([e.code, e.syscall, e.path], ['ENOENT', 'scandir', join(d, 'missing')]);
      assert.equal(failure(() => fs.readdirSync(join(d, 'a'))).code, 'ENOTDIR');
      assert.deepEqual(fs.readdirSync('/sys/class/net').includes('lo'), true);
    });

    test('openSync with numeric flags; writes of strings and of a buffer from an offset; close-on-exec', () => {
      const d = fresh();
      const p = join(d, 'log');
      const c = fs.constants;
      const fd = fs.openSync(p, c.O_WRONLY | c.O_APPEND | c.O_CREAT | c.O_NOFOLLOW, 0o600);
      try {
        assert.equal(fs.writeSync(fd, 'one\n'), 4);
        assert.equal(fs.writeSync(fd, Buffer.from('xxtwo\n'), 2), 4);
        const flags = /^flags:\s+([0-7]+)$/m.exec(nodeFs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1];
        assert.ok(flags && (Number.parseInt(flags, 8) & 0o2000000) !== 0, `O_CLOEXEC in ${flags}`);
      } finally {
        fs.closeSync(fd);
      }
      assert.equal(nodeFs.readFileSync(p, 'utf8'), 'one\ntwo\n');
      assert.equal(nodeFs.statSync(p).mode & 0o777, 0o600);
      const rfd = fs.openSync(p, c.O_RDONLY);
      try {
        assert.equal(fs.readFileSync(rfd, 'utf8'), 'one\ntwo\n');
      } finally {
        fs.closeSync(rfd);
      }
      nodeFs.symlinkSync('log', join(d, 'l'));
      const e = failure(() => fs.openSync(join(d, 'l'), c.O_WRONLY | c.O_NOFOLLOW));
      assert.deepEqual([e.code, e.syscall], ['ELOOP', 'open']);
      assert.equal(failure(() => fs.closeSync(rfd)).code, 'EBADF');
    });

    test("fs.constants carry Node's numbers for this architecture", () => {
      const want =
        process.arch === 'arm64'
          ? { O_NOFOLLOW: 0o100000, O_DIRECTORY: 0o40000 }
          : { O_NOFOLLOW: 0o400000, O_DIRECTORY: 0o200000 };
      const c = fs.constants;
      assert.deepEqual(
        [c.O_RDONLY, c.O_WRONLY, c.O_RDWR, c.O_CREAT, c.O_EXCL, c.O_TRUNC, c.O_APPEND, c.O_NOFOLLOW, c.O_DIRECTORY],
        [0, 1, 2, 0o100, 0o200, 0o1000, 0o2000, want.O_NOFOLLOW, want.O_DIRECTORY],
      );
      assert.deepEqual([c.F_OK, c.R_OK, c.W_OK, c.X_OK], [0, 4, 2, 1]);
    });
  });
