// HTTP spoken by hand over a socket, for what fetch cannot do: announce a body and not send it,
// send headers one byte at a time, hold idle connections open. Every wait is bounded.

import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { recordResponse } from '../../support/secret-audit.js';

export interface RawAnswer {
  /** 0 when the server closed the connection without an answer */
  status: number;
  text: string;
  /** the server closed the connection (after the answer, or instead of one) */
  closed: boolean;
}

function statusOf(text: string): number {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
  return m ? Number(m[1]) : 0;
}

/** Opens a connection to 127.0.0.1:port. */
export function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

/**
 * Sends `head` (request line and headers, ending in a blank line) and then each of `chunks`
 * while the server has not answered; resolves with what the server sent once it answered and
 * `settleMs` passed, or it closed, or `timeoutMs` passed.
 */
export async function exchange(
  port: number,
  head: string,
  chunks: Iterable<Buffer> = [],
  opts: { timeoutMs?: number; settleMs?: number } = {},
): Promise<RawAnswer> {
  const s = await open(port);
  let text = '';
  let closed = false;
  s.on('data', (d) => {
    text += d.toString('latin1');
  });
  s.on('error', () => {
    closed = true;
  });
  s.on('close', () => {
    closed = true;
  });
  s.write(head);
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (const c of chunks) {
    if (text || closed || Date.now() > deadline) break;
    const ok = s.write(c);
    if (!ok)
      await new Promise<void>((r) => {
        const t = setTimeout(r, 200);
        s.once('drain', () => {
          clearTimeout(t);
          r();
        });
      });
  }
  while (!closed && !text && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const settle = Date.now() + (opts.settleMs ?? 200);
  while (!closed && Date.now() < Math.min(settle, deadline)) await new Promise((r) => setTimeout(r, 20));
  s.destroy();
  recordResponse(`raw ${head.split('\r\n')[0]}`, statusOf(text), text);
  return { status: statusOf(text), text, closed };
}

/** Sends `head` one byte every `everyMs`, until the server answers or closes, or `timeoutMs` passes. */
export async function trickle(port: number, head: string, everyMs: number, timeoutMs: number): Promise<RawAnswer> {
  const s = await open(port);
  let text = '';
  let closed = false;
  s.on('data', (d) => {
    text += d.toString('latin1');
  });
  s.on('error', () => {
    closed = true;
  });
  s.on('close', () => {
    closed = true;
  });
  const deadline = Date.now() + timeoutMs;
  let i = 0;
  while (!closed && !text && Date.now() < deadline) {
    if (i < head.length) s.write(head[i++]!);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  const settle = Date.now() + 1000;
  while (!closed && Date.now() < Math.min(settle, deadline)) await new Promise((r) => setTimeout(r, 20));
  s.destroy();
  recordResponse(`raw trickle ${head.split('\r\n')[0]}`, statusOf(text), text);
  return { status: statusOf(text), text, closed };
}

/** A process's resident set now and at its peak, in bytes (Linux /proc). */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** The head of a request with the noauth admin token (or none) at microversion 1.39. */
export function head(
  method: string,
  path: string,
  headers: Record<string, string | number> = {},
  token: string | null = 'admin',
): string {
  const h: Record<string, string | number> = {
    host: '127.0.0.1',
    'openstack-api-version': 'placement 1.39',
    ...headers,
  };
  if (token) h['x-auth-token'] = token;
  return `${method} ${path} HTTP/1.1\r\n${Object.entries(h)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n')}\r\n\r\n`;
}

/** `n` bytes of `[1,1,1,...` in chunks of 64 KiB, generated as they are sent. */
export function* manyOnes(n: number): Generator<Buffer> {
  const chunk = Buffer.from('1,'.repeat(32 * 1024));
  yield Buffer.from('{"traits":[');
  for (let sent = 0; sent < n; sent += chunk.length) yield chunk;
}

/** The same in HTTP chunked framing. */
export function* chunked(parts: Iterable<Buffer>): Generator<Buffer> {
  for (const p of parts) yield Buffer.concat([Buffer.from(`${p.length.toString(16)}\r\n`), p, Buffer.from('\r\n')]);
  yield Buffer.from('0\r\n\r\n');
}
