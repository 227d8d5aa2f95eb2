// Pieces several schemas share, and how a handler picks the schema of its request's version.
// The schemas are module constants, built once at load: the app's validator compiles each schema
// object once (keyed by identity), so a request never builds or compiles one. Placement versions
// a schema by copying it under a new name at the version that changed it (GET_SCHEMA_1_16 =
// GET_SCHEMA_1_10 + limit); these files keep its names and its bands.
import { atLeast, type Microversion, type Version } from '../microversion.js';
import type { Schema } from '../json-schema.js';

export type { Schema };

export const MAX_INT = 2147483647;
export const RC_PATTERN = '^[A-Z0-9_]+$';
export const CUSTOM_RC_PATTERN = '^CUSTOM_[A-Z0-9_]+$';
/** Placement's uuid keys in patternProperties (dashes optional, so not the uuid format). */
export const UUID_PATTERN = '^[0-9a-fA-F-]{36}$';
export const UUID_SCHEMA = { type: 'string', format: 'uuid' };
/** project_id, user_id. */
export const ID_SCHEMA = { type: 'string', minLength: 1, maxLength: 255 };

/** One schema per band: [the version that introduced it, the schema], oldest first. */
export type Versioned = ReadonlyArray<readonly [Microversion, Schema]>;

/** The schema of the newest band the request's version has reached. */
export function forVersion(ver: Version, bands: Versioned): Schema {
  for (let i = bands.length - 1; i > 0; i--) if (atLeast(ver, bands[i]![0])) return bands[i]![1];
  return bands[0]![1];
}
