// CNI errors as values: a code from the spec (or >= 100 for a plugin's own), a message and details,
// printed on stdout as the spec's error JSON by the dispatcher.

/** The spec's reserved error codes (0–99), plus skel's 999 for an unexpected failure. */
export const CniCode = {
  IncompatibleVersion: 1,
  UnsupportedField: 2,
  UnknownContainer: 3,
  InvalidEnvironment: 4,
  IoFailure: 5,
  DecodingFailure: 6,
  InvalidConfig: 7,
  InvalidNetns: 8,
  TryAgainLater: 11,
  NotAvailable: 50,
  LimitedConnectivity: 51,
  Internal: 999,
} as const;

export type CniCodeName = keyof typeof CniCode;

/** The spec's error object as it appears on stdout. */
export interface CniErrorJson {
  cniVersion: string;
  code: number;
  msg: string;
  details?: string;
}

export class CniError extends Error {
  constructor(
    readonly code: number,
    readonly msg: string,
    readonly details: string = '',
  ) {
    super(details ? `${msg}: ${details}` : msg);
    this.name = 'CniError';
  }

  /** The error JSON for stdout; `details` is left out when empty, as Go's `omitempty` does. */
  toJson(cniVersion: string): CniErrorJson {
    const out: CniErrorJson = { cniVersion, code: this.code, msg: this.msg };
    if (this.details) out.details = this.details;
    return out;
  }
}

/**
 * Reads another plugin's error JSON (a delegate's stdout on failure). Returns null when the text is
 * not an error object, so the caller can fall back to the delegate's stderr.
 */
export function parseCniErrorJson(text: string): CniError | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { code, msg, details } = value as Record<string, unknown>;
  if (typeof code !== 'number' || !Number.isInteger(code)) return null;
  return new CniError(code, typeof msg === 'string' ? msg : '', typeof details === 'string' ? details : '');
}
