// What of a request may reach a log line. Fastify logs every request with its URL; a client that
// puts a credential in the query string (`?token=...`, a pasted `?password=`) would have it
// written to the log, so the values of query parameters whose names look like credentials are
// replaced. Placement defines no such parameter, so nothing a Placement client needs is lost.
// Headers never reach the log (the request serializer below names what does); the redact paths
// are the second line, for a log call that passes a raw request or headers by mistake.

/** Names of query parameters whose values are never logged. */
const CREDENTIAL_NAME = /token|pass|secret|key|auth|cred|sig|session|cookie/i;

export const REDACTED = '***';

/** The URL with every credential-like query parameter's value replaced; path and other values kept. */
export function safeUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const parts = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        // A malformed escape: judge the name as it is written.
      }
      return eq >= 0 && CREDENTIAL_NAME.test(name) ? `${rawName}=${REDACTED}` : pair;
    });
  return `${url.slice(0, q)}?${parts.join('&')}`;
}

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number } | null;
}

/** Fastify's request serializer with the URL made safe; no header is included. */
export function requestSerializer(req: LoggedRequest): Record<string, unknown> {
  return {
    method: req.method,
    url: req.url === undefined ? undefined : safeUrl(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/** pino redact paths: credentials in headers, wherever a log call might put them. */
export const REDACT_PATHS: readonly string[] = [
  'req.headers["x-auth-token"]',
  'req.headers["x-service-token"]',
  'req.headers["x-subject-token"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers["x-auth-token"]',
  'headers["x-subject-token"]',
  'headers.authorization',
  'res.headers["x-subject-token"]',
];

/** The logger options `vfnet serve` gives pino: the safe request serializer and the redactions. */
export function safeLoggerOptions(level: string): {
  level: string;
  serializers: { req: typeof requestSerializer };
  redact: { paths: string[]; censor: string };
} {
  return { level, serializers: { req: requestSerializer }, redact: { paths: [...REDACT_PATHS], censor: REDACTED } };
}
