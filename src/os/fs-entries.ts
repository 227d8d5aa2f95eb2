// What stat and readdir answer in bun-fs.ts, shaped as Node's fs.Stats and fs.Dirent for the
// fields and tests vfnet reads: decoded from struct statx (linux/stat.h) and a dirent's d_type.

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const S_IFIFO = 0o010000;
const S_IFSOCK = 0o140000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
export const DT_UNKNOWN = 0;
export const DT_DIR = 4;
export const DT_REG = 8;
export const DT_LNK = 10;

/**
 * What statSync and lstatSync answer: the fields and tests of Node's fs.Stats that vfnet reads,
 * decoded from the struct statx (linux/stat.h offsets) when asked: most callers ask one question.
 */
export class BunStats {
  private readonly v: DataView;
  readonly mode: number;

  constructor(statx: Uint8Array) {
    this.v = new DataView(statx.buffer, statx.byteOffset, statx.byteLength);
    this.mode = this.v.getUint16(28, true);
  }
  get dev(): number {
    return makedev(this.v.getUint32(136, true), this.v.getUint32(140, true));
  }
  get ino(): number {
    return Number(this.v.getBigUint64(32, true));
  }
  get nlink(): number {
    return this.v.getUint32(16, true);
  }
  get uid(): number {
    return this.v.getUint32(20, true);
  }
  get gid(): number {
    return this.v.getUint32(24, true);
  }
  get rdev(): number {
    return makedev(this.v.getUint32(128, true), this.v.getUint32(132, true));
  }
  get size(): number {
    return Number(this.v.getBigUint64(40, true));
  }
  get blocks(): number {
    return Number(this.v.getBigUint64(48, true));
  }
  get atimeMs(): number {
    return timeMs(this.v, 64);
  }
  get ctimeMs(): number {
    return timeMs(this.v, 96);
  }
  get mtimeMs(): number {
    return timeMs(this.v, 112);
  }
  isFile(): boolean {
    return (this.mode & S_IFMT) === S_IFREG;
  }
  isDirectory(): boolean {
    return (this.mode & S_IFMT) === S_IFDIR;
  }
  isSymbolicLink(): boolean {
    return (this.mode & S_IFMT) === S_IFLNK;
  }
  isFIFO(): boolean {
    return (this.mode & S_IFMT) === S_IFIFO;
  }
  isSocket(): boolean {
    return (this.mode & S_IFMT) === S_IFSOCK;
  }
  isCharacterDevice(): boolean {
    return (this.mode & S_IFMT) === S_IFCHR;
  }
  isBlockDevice(): boolean {
    return (this.mode & S_IFMT) === S_IFBLK;
  }
}

/** readdirSync's entries with withFileTypes, as Node's fs.Dirent. */
export class BunDirent {
  constructor(
    readonly name: string,
    readonly parentPath: string,
    private readonly type: number,
  ) {}
  isFile(): boolean {
    return this.type === DT_REG;
  }
  isDirectory(): boolean {
    return this.type === DT_DIR;
  }
  isSymbolicLink(): boolean {
    return this.type === DT_LNK;
  }
}

/** glibc's makedev(): the number Node reports as st_dev and st_rdev. */
function makedev(major: number, minor: number): number {
  return (
    (major & 0xfff) * 0x100 + (minor & 0xff) + (minor >>> 8) * 0x100000 + Math.floor(major / 0x1000) * 0x100000000000
  );
}

const timeMs = (v: DataView, at: number): number =>
  Number(v.getBigInt64(at, true)) * 1000 + v.getUint32(at + 8, true) / 1e6;
