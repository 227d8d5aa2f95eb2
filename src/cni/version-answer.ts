// VERSION's answer, apart from the dispatcher: the plugin's entry point answers VERSION with this
// module alone (podman runs VERSION before every ADD and DEL, so its cost is paid per pod), and the
// dispatcher answers with the same function, so the two can never differ.
import { isSupportedVersion, LATEST_VERSION, SUPPORTED_VERSIONS } from './versions.js';

/** Best effort: the supported `cniVersion` in stdin, or undefined. Never throws (VERSION must not fail). */
export function peekVersion(stdin: Uint8Array | string): string | undefined {
  if (stdin.length === 0) return undefined;
  try {
    const text = typeof stdin === 'string' ? stdin : new TextDecoder().decode(stdin);
    const v = (JSON.parse(text) as { cniVersion?: unknown } | null)?.cniVersion;
    return isSupportedVersion(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The VERSION result line: the caller's `cniVersion` when it is one we speak, else the newest. */
export function versionAnswer(stdin: Uint8Array | string): string {
  const cniVersion = peekVersion(stdin) ?? LATEST_VERSION;
  return `${JSON.stringify({ cniVersion, supportedVersions: SUPPORTED_VERSIONS })}\n`;
}

/** Is this CNI_COMMAND VERSION? The dispatcher reads the command case-insensitively, and so does this. */
export function isVersionCommand(command: string | undefined): boolean {
  return command !== undefined && command.toUpperCase() === 'VERSION';
}
