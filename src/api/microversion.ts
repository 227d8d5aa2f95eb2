// OpenStack-API-Version negotiation for the `placement` service type.
import { PlacementError } from '../placement/errors.js';

export interface Version {
  major: number;
  minor: number;
}

export const MIN_VERSION: Version = { major: 1, minor: 0 };
export const MAX_VERSION: Version = { major: 1, minor: 39 };

export const versionString = (v: Version) => `${v.major}.${v.minor}`;

/** v >= "1.x" */
export function atLeast(v: Version, minor: number): boolean {
  return v.major > 1 || (v.major === 1 && v.minor >= minor);
}

/**
 * Reads the placement version from the header value (which may list several services).
 * Throws the 400/406 errors of Placement's microversion middleware.
 */
export function parseVersionHeader(header: string | undefined): Version {
  if (!header) return MIN_VERSION;
  let value: string | undefined;
  for (const part of header.split(',')) {
    const [service, ...rest] = part.trim().split(/\s+/);
    if (service?.toLowerCase() === 'placement') value = rest.join(' ');
  }
  if (value === undefined) return MIN_VERSION;
  if (value === 'latest') return MAX_VERSION;
  const m = /^(\d+)\.(\d+)$/.exec(value);
  if (!m) {
    throw new PlacementError(400, `Invalid microversion: invalid version string: ${value}`, undefined, { extra: { noCode: true } });
  }
  const v = { major: Number(m[1]), minor: Number(m[2]) };
  const tooLow = v.major < MIN_VERSION.major || (v.major === MIN_VERSION.major && v.minor < MIN_VERSION.minor);
  const tooHigh = v.major > MAX_VERSION.major || (v.major === MAX_VERSION.major && v.minor > MAX_VERSION.minor);
  if (tooLow || tooHigh) {
    throw new PlacementError(406, `Invalid microversion: Unacceptable version header: ${value}`, undefined, {
      extra: { noCode: true, max_version: versionString(MAX_VERSION), min_version: versionString(MIN_VERSION) },
    });
  }
  return v;
}
