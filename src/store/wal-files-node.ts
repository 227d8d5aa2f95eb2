// The real WalFiles port: node:fs/promises, whose calls run on libuv's thread pool, so an fsync
// here never holds the event loop. fdatasync on a read-only fd is what Linux allows and what
// SQLite itself calls at a FULL commit.
import { open, stat } from 'node:fs/promises';
import type { WalFiles, WalHandle } from './group-sync.js';

export const nodeWalFiles: WalFiles = {
  async inode(path) {
    try {
      return (await stat(path)).ino;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  },
  async open(path): Promise<WalHandle> {
    const fh = await open(path, 'r');
    try {
      const ino = (await fh.stat()).ino;
      return { ino, sync: () => fh.datasync(), close: () => fh.close() };
    } catch (e) {
      await fh.close().catch(() => undefined);
      throw e;
    }
  },
  async syncDir(path) {
    const fh = await open(path, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
};
