// Which Host headers the server answers. A browser tricked by DNS rebinding sends the
// attacker's name in Host; answering only the names the server is known by stops it reading
// (or writing) anything, and keeps that name out of Location headers.
import { isIP } from 'node:net';

/** Loopback: 127.0.0.0/8, ::1, ::ffff:127.x, and the name localhost. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** A wildcard listen address: the server is reachable under any of the host's names. */
export function isWildcard(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === '0.0.0.0' || h === '::' || h === '';
}

/**
 * The names the server answers to by default: the listen address itself, and for loopback
 * `localhost`, 127.0.0.1 and ::1. A wildcard listen has no names of its own: the operator
 * lists them with --allowed-host (the address must not be guessed from the interfaces, which
 * would let any name resolving to them in).
 */
export function defaultAllowedHosts(listenHost: string, extra: readonly string[] = []): string[] {
  const names = new Set<string>();
  const h = listenHost.replace(/^\[|\]$/g, '').toLowerCase();
  if (!isWildcard(h)) names.add(h);
  if (isLoopback(h)) for (const n of ['localhost', '127.0.0.1', '::1']) names.add(n);
  for (const n of extra) names.add(n.replace(/^\[|\]$/g, '').toLowerCase());
  return [...names];
}

/** The host part of a Host header (`name`, `name:port`, `[v6]:port`), lower case; null if malformed. */
export function hostOf(hostHeader: string): string | null {
  const v = hostHeader.trim().toLowerCase();
  if (v.startsWith('[')) {
    const end = v.indexOf(']');
    if (end < 0) return null;
    const rest = v.slice(end + 1);
    if (rest && !/^:\d{1,5}$/.test(rest)) return null;
    return v.slice(1, end);
  }
  const m = /^([^:\s/]+)(?::(\d{1,5}))?$/.exec(v);
  return m ? m[1]!.replace(/\.$/, '') : null;
}

/** Whether a request's Host header names this server. A missing header (HTTP/1.0) is refused too. */
export function hostAllowed(hostHeader: string | undefined, allowed: readonly string[]): boolean {
  if (hostHeader === undefined) return false;
  const h = hostOf(hostHeader);
  return h !== null && allowed.includes(h);
}
