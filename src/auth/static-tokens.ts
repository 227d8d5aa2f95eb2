// `--auth token`: a fixed set of tokens from a token file, for a single host or a small lab
// without Keystone. A token is a password: the file may hold only its SHA-256, and a presented
// token is compared with every entry in constant time, so neither the timing nor the log tells
// which entries exist.
//
// Token file (YAML or JSON):
//   tokens:
//     - token: "a-long-random-string"        # or  sha256: "<64 hex digits of the token's SHA-256>"
//       user: agent-host1                    # the user id Placement sees
//       project: service                     # the project id (optional: then unscoped)
//       roles: [service]                     # e.g. admin | service | reader, member
//       system_scope: all                    # optional, a system-scoped token (refused by Placement's rules)
// Make a token with:  openssl rand -hex 32
import { createHash, timingSafeEqual } from 'node:crypto';
import { parse } from 'yaml';
import type { Authenticator, AuthOutcome, Headers, Identity } from './identity.js';
import { header } from './identity.js';

interface Entry {
  digest: Buffer;
  identity: Identity;
}

export class TokenFileError extends Error {
  override name = 'TokenFileError';
}

/** Tokens shorter than this are guessable; the file is refused rather than weakly protected. */
export const MIN_TOKEN_LENGTH = 16;

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Parses a token file's text. Errors name the entry by position, never by its token. */
export function parseTokenFile(text: string, where: string): Entry[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    throw new TokenFileError(`${where}: not YAML or JSON`);
  }
  const list = (doc as { tokens?: unknown } | null)?.tokens;
  if (!Array.isArray(list) || list.length === 0) throw new TokenFileError(`${where}: needs a non-empty "tokens" list`);
  return list.map((raw, i): Entry => {
    const e = (raw ?? {}) as Record<string, unknown>;
    const at = `${where}: tokens[${i}]`;
    for (const k of ['token', 'sha256']) {
      // YAML reads an unquoted 0123... or 1e5 as a number: say so rather than misreading it.
      if (e[k] !== undefined && typeof e[k] !== 'string')
        throw new TokenFileError(`${at}: "${k}" must be a string (quote it)`);
    }
    const token = str(e.token);
    const hex = str(e.sha256);
    if ((token === undefined) === (hex === undefined))
      throw new TokenFileError(`${at}: give exactly one of "token" or "sha256"`);
    if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
      throw new TokenFileError(`${at}: a token needs at least ${MIN_TOKEN_LENGTH} characters (openssl rand -hex 32)`);
    }
    if (hex !== undefined && !/^[0-9a-fA-F]{64}$/.test(hex))
      throw new TokenFileError(`${at}: sha256 must be 64 hex digits`);
    const user = str(e.user);
    if (!user) throw new TokenFileError(`${at}: needs a "user"`);
    const roles = e.roles ?? [];
    if (!Array.isArray(roles) || !roles.every((r) => typeof r === 'string'))
      throw new TokenFileError(`${at}: "roles" is a list of role names`);
    return {
      digest: token !== undefined ? sha256(token) : Buffer.from(hex!, 'hex'),
      identity: {
        userId: user,
        userDomainId: str(e.user_domain_id) ?? null,
        projectId: str(e.project) ?? null,
        projectDomainId: str(e.project_domain_id) ?? null,
        domainId: null,
        systemScope: str(e.system_scope) ?? null,
        roles: roles as string[],
        isAdminProject: true,
      },
    };
  });
}

export function staticTokenAuthenticator(entries: readonly Entry[]): Authenticator {
  return {
    mode: 'token',
    async authenticate(headers: Headers): Promise<AuthOutcome> {
      const token = header(headers, 'x-auth-token');
      if (!token) return { ok: false, status: 401, reason: 'no x-auth-token' };
      const digest = sha256(token);
      let found: Identity | undefined;
      // Every entry is compared, found or not: the time does not depend on where a match is.
      for (const e of entries) {
        if (timingSafeEqual(e.digest, digest) && !found) found = e.identity;
      }
      return found ? { ok: true, identity: found } : { ok: false, status: 401, reason: 'unknown token' };
    },
  };
}
