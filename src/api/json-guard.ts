// Bounds on a JSON body's shape, checked on the bytes as they arrive: nesting depth and the
// number of values. The scan is a loop over bytes with a few counters (no recursion, no
// parse tree), so a body 10^6 arrays deep or of 10^7 values is refused at the first byte over
// the limit, before JSON.parse or a schema validator (recursive, allocating) ever sees it.
// Also the check JSON.parse does not make: a `\uD800` escape without its pair decodes to a lone
// surrogate, which UTF-8 cannot hold; stored, it would come back altered.
import { PlacementError } from '../placement/errors.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;

/** Why a body was refused: an HTTP status and a detail. */
export interface ShapeError {
  status: 400 | 413;
  detail: string;
}

/**
 * Scans JSON bytes chunk by chunk. Multi-byte UTF-8 sequences have every byte >= 0x80, so the
 * structural characters can be recognised byte by byte even across chunk boundaries.
 */
export class JsonShapeGuard {
  private depth = 0;
  private elements = 0;
  private inString = false;
  private escaped = false;

  constructor(
    private readonly maxDepth: number,
    private readonly maxElements: number,
  ) {}

  /** The first violation in this chunk, or null. */
  feed(chunk: Uint8Array): ShapeError | null {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) this.inString = false;
        continue;
      }
      if (b === QUOTE) this.inString = true;
      else if (b === OPEN_ARRAY || b === OPEN_OBJECT) {
        if (++this.depth > this.maxDepth) {
          return { status: 400, detail: `Malformed JSON: nested deeper than ${this.maxDepth} levels` };
        }
        if (++this.elements > this.maxElements) return this.tooMany();
      } else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) {
        if (this.depth > 0) this.depth--;
      } else if (b === COMMA) {
        if (++this.elements > this.maxElements) return this.tooMany();
      }
    }
    return null;
  }

  private tooMany(): ShapeError {
    return { status: 413, detail: `More than ${this.maxElements} JSON values.` };
  }
}

/** True when the text has an escape that may start a surrogate (only then is the parsed value walked). */
export function mayHoldSurrogateEscape(text: string): boolean {
  return /\\u[dD][89a-fA-F]/.test(text);
}

/**
 * Throws Placement's "Malformed JSON" (in the words of Python's UTF-8 codec) when a string in
 * the parsed value, key or value, holds a lone surrogate. Walks with an explicit stack.
 */
export function rejectLoneSurrogates(value: unknown): void {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') checkString(v);
    else if (Array.isArray(v)) for (const x of v) stack.push(x);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        checkString(k);
        stack.push(x);
      }
    }
  }
}

// In unicode mode a pair is one code point, so only a lone surrogate is of category Cs.
const LONE_SURROGATE = /\p{Cs}/u;

function checkString(s: string): void {
  if (!LONE_SURROGATE.test(s)) return;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    const next = s.charCodeAt(i + 1);
    if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      i++;
      continue;
    }
    throw new PlacementError(
      400,
      `Malformed JSON: 'utf-8' codec can't encode character '\\u${c.toString(16)}' in position ${i}: surrogates not allowed`,
    );
  }
}
