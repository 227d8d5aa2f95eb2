// The token the plugin and the agent send to a Placement service. There is no built-in word:
// a token is a credential, so it comes from the environment or a file the operator wrote
// (mode 0600), never from the command line, where every user of the host could read it.
//   VFNET_TOKEN        the token itself
//   VFNET_TOKEN_FILE   a file holding it (first line), default /etc/vfnet/placement-token
// For a `vfnet serve --auth noauth2` on loopback, the token names the caller: VFNET_TOKEN=admin.
export const DEFAULT_TOKEN_FILE = '/etc/vfnet/placement-token';

/** Reads a file's text (the entry point passes fs; accounting itself does no I/O). */
export type ReadText = (path: string) => string;

/** The configured token, or null when there is none (the service will then answer 401). */
export function placementToken(env: NodeJS.ProcessEnv, read: ReadText, tokenFile?: string): string | null {
  if (!tokenFile && env.VFNET_TOKEN) return env.VFNET_TOKEN;
  const file = tokenFile ?? env.VFNET_TOKEN_FILE ?? DEFAULT_TOKEN_FILE;
  try {
    const first = read(file).split('\n')[0]!.trim();
    return first || null;
  } catch (e) {
    // The default file is optional; a file someone named must be there.
    if (!tokenFile && !env.VFNET_TOKEN_FILE && (e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(
      `cannot read the Placement token file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}
