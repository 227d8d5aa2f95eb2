// POSIX path arithmetic with node:path's answers, for the modules the plugin executable loads:
// in Bun, node:path is a module of its own to evaluate (0.5–0.7 ms per exec on the simulated host
// when it is the first node: module, 2.5–7 ms in the QEMU guest) for four string functions.
// test/unit/os/path.test.ts checks these against node:path on a corpus of paths.

/** Resolves `.` and `..` and repeated slashes; keeps a trailing slash, as path.normalize does. */
export function normalize(path: string): string {
  if (path === '') return '.';
  const absolute = path.startsWith('/');
  const trailing = path.endsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..') out.push(part);
    else if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else if (!absolute) out.push('..');
  }
  let body = out.join('/');
  if (body === '' && !absolute) body = '.';
  if (body !== '' && trailing) body += '/';
  return absolute ? `/${body}` : body;
}

export function join(...parts: string[]): string {
  const kept = parts.filter((p) => p !== '');
  return kept.length === 0 ? '.' : normalize(kept.join('/'));
}

/** An absolute path: the parts from the right until one is absolute, then the working directory. */
export function resolve(...parts: string[]): string {
  let path = '';
  for (let i = parts.length - 1; i >= 0 && !path.startsWith('/'); i--) {
    if (parts[i] !== '') path = path === '' ? parts[i]! : `${parts[i]}/${path}`;
  }
  if (!path.startsWith('/')) path = path === '' ? process.cwd() : `${process.cwd()}/${path}`;
  const n = normalize(path);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** All but the last segment, trailing slashes ignored (path.dirname). */
export function dirname(path: string): string {
  if (path === '') return '.';
  const rooted = path.startsWith('/');
  let end = -1;
  let inTrailingSlashes = true;
  for (let i = path.length - 1; i >= 1; i--) {
    if (path[i] === '/') {
      if (!inTrailingSlashes) {
        end = i;
        break;
      }
    } else inTrailingSlashes = false;
  }
  if (end === -1) return rooted ? '/' : '.';
  if (rooted && end === 1) return '//';
  return path.slice(0, end);
}

/** The last segment, trailing slashes ignored (path.basename without a suffix). */
export function basename(path: string): string {
  let end = path.length;
  while (end > 0 && path[end - 1] === '/') end--;
  if (end === 0) return '';
  return path.slice(path.lastIndexOf('/', end - 1) + 1, end);
}
