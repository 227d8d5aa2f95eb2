// Spec versions this library speaks, and which commands each version allows.

export const SUPPORTED_VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export type CniVersion = (typeof SUPPORTED_VERSIONS)[number];

/** The newest version: what VERSION answers with when the caller asked for nothing usable. */
export const LATEST_VERSION: CniVersion = '1.1.0';

/**
 * What a network config without `cniVersion` means. libcni's config decoder reads a missing
 * `cniVersion` as "0.1.0" (the version before the field existed), and skel checks and gates with
 * that, so a versionless config gets the legacy result format and cannot CHECK, STATUS or GC.
 */
export const VERSION_WHEN_MISSING: CniVersion = '0.1.0';

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'STATUS' | 'GC' | 'VERSION';
export const COMMANDS: readonly CniCommand[] = ['ADD', 'DEL', 'CHECK', 'STATUS', 'GC', 'VERSION'];

/** The first config version that allows each command (skel refuses older configs with code 1). */
const FIRST_VERSION_FOR: Record<CniCommand, CniVersion> = {
  ADD: '0.1.0',
  DEL: '0.1.0',
  VERSION: '0.1.0',
  CHECK: '0.4.0',
  STATUS: '1.1.0',
  GC: '1.1.0',
};

export function isSupportedVersion(v: unknown): v is CniVersion {
  return typeof v === 'string' && (SUPPORTED_VERSIONS as readonly string[]).includes(v);
}

/** `[major, minor, patch]`, or null when `v` is not a plain `X.Y.Z` version. */
export function parseVersion(v: string): [number, number, number] | null {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

/** Negative, zero or positive as `a` is older than, equal to or newer than `b`; throws on a malformed version. */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (!pa || !pb) throw new TypeError(`malformed CNI version ${JSON.stringify(pa ? b : a)}`);
  return pa[0] - pb[0] || pa[1] - pb[1] || pa[2] - pb[2];
}

/** Is `v` the same as or newer than `min`? A malformed `v` is not. */
export function versionAtLeast(v: string, min: string): boolean {
  if (!parseVersion(v)) return false;
  return compareVersions(v, min) >= 0;
}

/** The oldest config version that allows `command`. */
export function firstVersionFor(command: CniCommand): CniVersion {
  return FIRST_VERSION_FOR[command];
}

/** Does a config of version `v` allow `command`? */
export function commandAllowed(command: CniCommand, v: string): boolean {
  return versionAtLeast(v, FIRST_VERSION_FOR[command]);
}

/** Result formats changed at 0.3.0 (interfaces + ips) and 1.0.0 (no ips[].version). */
export function isLegacyResultVersion(v: string): boolean {
  return !versionAtLeast(v, '0.3.0');
}
