// Failures of the rtnetlink adapter as the port's HostErrors: what was being done, then the
// kernel's extended-ack text when it gave one, and the errno's name and text.
import { HostError } from '../ports.js';
import { errnoName, errnoText } from './errno.js';
import { LibcError } from './libc.js';
import { NetlinkError } from './socket.js';

export function hostError(what: string, e: unknown): HostError {
  if (e instanceof HostError) return new HostError(`${what}: ${e.message}`, e.errno);
  if (e instanceof NetlinkError) {
    const text = errnoText(e.errno);
    return new HostError(
      `${what}: ${e.extack ? `${e.extack.replace(/\.$/, '')} (${text})` : text}`,
      errnoName(e.errno),
    );
  }
  if (e instanceof LibcError) return new HostError(`${what}: ${e.call}: ${errnoText(e.errno)}`, errnoName(e.errno));
  // The codecs throw RangeError for values that cannot be encoded at all (a malformed MAC or prefix).
  if (e instanceof RangeError) return new HostError(`${what}: ${e.message}`, 'EINVAL');
  const err = e as NodeJS.ErrnoException;
  return new HostError(`${what}: ${err.message ?? String(e)}`, typeof err.code === 'string' ? err.code : null);
}

/** Runs fn; any failure becomes hostError(what, ...). */
export function attempt<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw hostError(what, e);
  }
}
