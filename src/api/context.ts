// What a handler gets and returns. Handlers are plain async functions; the app turns their
// results and thrown PlacementErrors into HTTP responses with Placement's headers.
import { PlacementError } from '../placement/errors.js';
import type { PlacementStore } from '../store/port.js';
import type { AnswerBytes, BufferPool } from './byte-writer.js';
import type { SchemaValidator } from './json-schema.js';
import type { RequestLimits } from './limits.js';
import type { Microversion, Version } from './microversion.js';
import type { SnapshotBytesCache } from './snapshot-bytes.js';

export interface Ctx {
  version: Version;
  /** The request's version is this one or later. */
  atLeast(mv: Microversion): boolean;
  params: Record<string, string>;
  /** Query pairs in order, repeated keys kept. */
  query: Array<[string, string]>;
  rawBody: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  store: PlacementStore;
  /** The app's validator: it compiles each schema object once, so schemas are module constants. */
  schemas: SchemaValidator;
  /** Buffers for large answers, lent from one answer to the next (see ByteWriter). */
  bufferPool: BufferPool;
  /** The app's cache of each snapshot's JSON pieces for allocation-candidate answers. */
  snapshotBytes: SnapshotBytesCache;
  /** The bounds on this request's work (limits.ts): candidate cap, budget, generation strategy. */
  limits: RequestLimits;
  /** Parses the body as JSON (400 "Malformed JSON" otherwise). */
  json(): unknown;
}

export interface Reply {
  status: number;
  /** A value to serialise, or RawJson when the handler wrote the JSON itself (large answers). */
  body?: unknown;
  headers?: Record<string, string>;
  /** From 1.15: last-modified is this time (epoch ms); 'now' for computed answers. */
  lastModified?: number | 'now';
}

export type Handler = (ctx: Ctx) => Promise<Reply>;

/** Last value of a query key (webob's dict(req.GET)). */
export function lastValue(ctx: Ctx, key: string): string | undefined {
  let v: string | undefined;
  for (const [k, x] of ctx.query) if (k === key) v = x;
  return v;
}

export function allValues(ctx: Ctx, key: string): string[] {
  return ctx.query.filter(([k]) => k === key).map(([, x]) => x);
}

/** dict(req.GET): each key once, with its last value. */
export function queryDict(ctx: Ctx): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of ctx.query) out[k] = v;
  return out;
}

export function parseJson(raw: string | undefined): unknown {
  try {
    return JSON.parse(raw ?? '');
  } catch (e) {
    throw new PlacementError(400, `Malformed JSON: ${(e as Error).message}`);
  }
}

export const httpDate = (ms: number) => new Date(ms).toUTCString();

/** JSON a handler has already written (as text or as bytes), sent as it is. */
export class RawJson {
  constructor(readonly json: string | AnswerBytes) {}
}
