// The node's database holds container IDs and netns paths: readable by root only. Its directory
// is created 0700 and the file 0600 before SQLite opens it; SQLite gives the WAL and SHM files
// it creates the database's mode, and files an older version left readable are tightened.
import { chmodSync, closeSync, constants, existsSync, mkdirSync, openSync, statSync } from '../os/fs.js';
import { dirname } from '../os/path.js';

const PRIVATE_FILE = 0o600;
const PRIVATE_DIR = 0o700;

/** Creates the database's directory (0700) and an empty database file (0600) when missing. */
export function preparePrivateDb(path: string): void {
  const dir = dirname(path);
  if (!existsSync(dir)) {
    // mode applies to every directory the call creates; the umask can only narrow it.
    mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  }
  // O_NOFOLLOW: a symlink planted where the database goes is refused, not followed.
  closeSync(openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, PRIVATE_FILE));
  tightenDbFiles(path);
}

/** The database and its WAL and SHM files to 0600 (a file another version created 0644 included). */
export function tightenDbFiles(path: string): void {
  for (const p of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      if ((statSync(p).mode & 0o777) !== PRIVATE_FILE) chmodSync(p, PRIVATE_FILE);
    } catch {
      // Missing (no WAL yet), or not ours to change (a read-only view): nothing to tighten.
    }
  }
}
