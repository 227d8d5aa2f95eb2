// Reading a request body within bounds. Fastify calls this parser after the onRequest hooks
// (authentication) and reads nothing before it. A body announced larger than the limit is
// refused without a byte read; an unannounced (chunked) one is read only up to the limit; a
// JSON body's depth and value count are checked on each chunk as it arrives (json-guard.ts).
// A refusal is not thrown: the parser hands back a RejectedBody, and the request goes through
// Placement's stages as any other (version, routing, policy), so that its error has Placement's
// shape; the rest of the body is dropped as it arrives, never kept.
import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { JsonShapeGuard } from './json-guard.js';
import type { RequestLimits } from './limits.js';

/** A body that was refused; `unread` when the rest of it was dropped unread. */
export class RejectedBody {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly unread: boolean,
  ) {}
}

type Done = (err: Error | null, body?: unknown) => void;

/** Fastify's content-type parser (stream form) for every media type. */
export function boundedBodyParser(limits: RequestLimits) {
  return (req: FastifyRequest, payload: Readable, done: Done): void => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limits.maxBodyBytes) {
      done(null, new RejectedBody(413, `Limit: ${limits.maxBodyBytes} bytes.`, true));
      return;
    }
    const mediaType = String(req.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim()
      .toLowerCase();
    const guard =
      mediaType === 'application/json' ? new JsonShapeGuard(limits.maxJsonDepth, limits.maxJsonElements) : null;
    const chunks: Buffer[] = [];
    let size = 0;
    let finished = false;
    const finish = (body: unknown, err: Error | null = null) => {
      if (finished) return;
      finished = true;
      payload.removeListener('data', onData);
      payload.removeListener('end', onEnd);
      payload.removeListener('error', onError);
      // The rest of a refused body is read and dropped (memory stays flat; the request timeout
      // bounds the time), so the client gets its answer rather than a reset connection.
      if (body instanceof RejectedBody && body.unread) payload.resume();
      chunks.length = 0;
      done(err, body);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBodyBytes) {
        finish(new RejectedBody(413, `Limit: ${limits.maxBodyBytes} bytes.`, true));
        return;
      }
      const bad = guard?.feed(chunk);
      if (bad) {
        finish(new RejectedBody(bad.status, bad.detail, true));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish(decodeUtf8(Buffer.concat(chunks, size)));
    const onError = (e: Error) => finish(undefined, e);
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
  };
}

// Placement answers invalid UTF-8 with 400 "Malformed JSON" in the words of Python's codec,
// rather than storing replacement characters.
const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Buffer): string | RejectedBody {
  try {
    return utf8.decode(bytes);
  } catch {
    return new RejectedBody(400, `Malformed JSON: ${pythonUtf8Error(bytes)}`, false);
  }
}

/** Python's message for the first invalid byte, e.g. "'utf-8' codec can't decode byte 0xff in position 9: invalid start byte". */
function pythonUtf8Error(b: Buffer): string {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    const need =
      c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (need < 0)
      return `'utf-8' codec can't decode byte 0x${c.toString(16).padStart(2, '0')} in position ${i}: invalid start byte`;
    let j = 1;
    for (; j <= need; j++) {
      const x = b[i + j];
      if (x === undefined)
        return `'utf-8' codec can't decode byte 0x${c.toString(16).padStart(2, '0')} in position ${i}: unexpected end of data`;
      if ((x & 0xc0) !== 0x80)
        return `'utf-8' codec can't decode byte 0x${c.toString(16).padStart(2, '0')} in position ${i}: invalid continuation byte`;
    }
    i += need + 1;
  }
  return "'utf-8' codec can't decode bytes: invalid data";
}
