// Turns `vfnet serve`'s access options into the API's access control: which authenticator,
// which policy, which Host names. Files (tokens, service credentials, policy) are read here, at
// start, so a mistake stops the server with a message instead of refusing requests later.
import { readFileSync } from 'node:fs';
import type { AccessOptions } from '../api/access.js';
import { defaultAllowedHosts, isLoopback, isWildcard } from '../auth/hosts.js';
import type { Authenticator } from '../auth/identity.js';
import { KeystoneAuthenticator } from '../auth/keystone/authenticator.js';
import { v3Root } from '../auth/keystone/client.js';
import { parseCredentialsFile } from '../auth/keystone/credentials.js';
import { noauth2Authenticator } from '../auth/noauth2.js';
import { DEFAULT_POLICY_DEFAULTS, type PolicyDefaults, PolicyEnforcer } from '../auth/policy/enforcer.js';
import { parsePolicyFile } from '../auth/policy/policy-file.js';
import { parseTokenFile, staticTokenAuthenticator } from '../auth/static-tokens.js';

export type AuthMode = 'noauth2' | 'token' | 'keystone';

export interface AccessConfig {
  auth?: AuthMode;
  /** noauth2 on a listen address other than loopback (it trusts every caller completely). */
  insecureNoauth?: boolean;
  tokenFile?: string;
  keystoneCredentialsFile?: string;
  keystoneCacheSeconds?: number;
  keystoneRevocationCheckSeconds?: number;
  policyDefaults?: PolicyDefaults;
  policyFile?: string;
  /** Host names to answer besides the listen address's own. */
  allowedHosts?: string[];
}

export class ServeConfigError extends Error {
  override name = 'ServeConfigError';
}

function read(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ServeConfigError(
      `cannot read the ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

export interface BuiltAccess {
  access: AccessOptions;
  /** Lines to say at start: the mode, and warnings that must be seen every time. */
  notices: string[];
  warnings: string[];
}

export function buildAccess(cfg: AccessConfig, listenHost: string, log: (msg: string) => void): BuiltAccess {
  const mode = cfg.auth ?? 'noauth2';
  const warnings: string[] = [];
  const notices: string[] = [];
  let authenticator: Authenticator;
  let authUri: string | undefined;
  switch (mode) {
    case 'noauth2':
      if (!isLoopback(listenHost)) {
        if (!cfg.insecureNoauth) {
          throw new ServeConfigError(
            `--auth noauth2 trusts whatever a caller claims, so it listens on loopback only; ${listenHost} is not loopback. ` +
              'Use --auth token --token-file FILE or --auth keystone, or --insecure-noauth if you really mean it.',
          );
        }
        warnings.push(
          `INSECURE: --auth noauth2 on ${listenHost}: anyone who reaches this port can do anything, as any user`,
        );
      }
      authenticator = noauth2Authenticator();
      break;
    case 'token':
      if (!cfg.tokenFile) throw new ServeConfigError('--auth token needs --token-file FILE');
      authenticator = staticTokenAuthenticator(parseTokenFile(read(cfg.tokenFile, 'token file'), cfg.tokenFile));
      break;
    case 'keystone': {
      if (!cfg.keystoneCredentialsFile)
        throw new ServeConfigError('--auth keystone needs --keystone-credentials-file FILE');
      const credentials = parseCredentialsFile(
        read(cfg.keystoneCredentialsFile, 'Keystone credentials file'),
        cfg.keystoneCredentialsFile,
      );
      authUri = v3Root(credentials.authUrl);
      authenticator = new KeystoneAuthenticator({
        credentials,
        ...(cfg.keystoneCacheSeconds !== undefined ? { cacheSeconds: cfg.keystoneCacheSeconds } : {}),
        ...(cfg.keystoneRevocationCheckSeconds !== undefined
          ? { revocationCheckSeconds: cfg.keystoneRevocationCheckSeconds }
          : {}),
        warn: log,
      });
      break;
    }
    default:
      throw new ServeConfigError(`--auth must be noauth2, token or keystone, not ${String(mode)}`);
  }
  const defaults = cfg.policyDefaults ?? DEFAULT_POLICY_DEFAULTS;
  if (defaults !== 'secure' && defaults !== 'legacy')
    throw new ServeConfigError('--policy-defaults must be secure or legacy');
  const overrides = cfg.policyFile ? parsePolicyFile(read(cfg.policyFile, 'policy file'), cfg.policyFile) : {};
  const enforcer = new PolicyEnforcer({ defaults, overrides });
  const allowedHosts = defaultAllowedHosts(listenHost, cfg.allowedHosts ?? []);
  if (allowedHosts.length === 0 && isWildcard(listenHost)) {
    throw new ServeConfigError(
      `listening on ${listenHost || 'all addresses'} answers no Host name by itself: name the ones clients use with --allowed-host NAME`,
    );
  }
  notices.push(
    `auth ${mode}, policy defaults ${defaults}${cfg.policyFile ? ` with ${cfg.policyFile}` : ''}, Host names: ${allowedHosts.join(', ')}`,
  );
  return { access: { authenticator, enforcer, allowedHosts, ...(authUri ? { authUri } : {}) }, notices, warnings };
}
