// Connection-level bounds on the HTTP server: timeouts for slow clients and a cap on open
// connections. The cap alone (Node's server.maxConnections) would let a crowd of idle sockets
// lock every real client out until they time out; here a new connection beyond the cap first
// closes the oldest connection that has no request in progress and never completed one (a
// socket opened and left silent, or still sending its first headers), then the oldest idle
// keep-alive one (a real client may be about to reuse it, so those go last), and is refused
// only when every connection is busy.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { RequestLimits } from './limits.js';

/** The options Node's http.createServer takes for these limits (fastify passes them through). */
export function httpServerOptions(limits: RequestLimits): Record<string, number> {
  return {
    maxHeaderSize: limits.maxHeaderBytes,
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // How often Node looks for requests over their timeouts: a fraction of the shortest one,
    // so a slow client is cut off close to its deadline rather than up to 30 s later.
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

/** Tracks open connections and evicts idle ones beyond the cap. Returns a function that detaches it. */
export function guardConnections(server: Server, limits: RequestLimits): () => void {
  // Insertion order is connection age: the first idle one found is the oldest.
  const open = new Map<Socket, { busy: number; served: number }>();
  const onConnection = (socket: Socket) => {
    if (open.size >= limits.maxConnections) {
      let victim: Socket | null = null;
      let idleServed: Socket | null = null;
      for (const [s, st] of open) {
        if (st.busy > 0) continue;
        if (st.served === 0) {
          victim = s;
          break;
        }
        idleServed ??= s;
      }
      victim ??= idleServed;
      if (!victim) {
        socket.destroy();
        return;
      }
      open.delete(victim);
      victim.destroy();
    }
    open.set(socket, { busy: 0, served: 0 });
    socket.once('close', () => open.delete(socket));
  };
  const onRequest = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    const st = open.get(req.socket);
    if (!st) return;
    st.busy++;
    res.once('close', () => {
      st.busy--;
      st.served++;
    });
  };
  // Before Node's own listeners would matter: a refused socket is destroyed at once.
  server.prependListener('connection', onConnection);
  server.prependListener('request', onRequest);
  return () => {
    server.removeListener('connection', onConnection);
    server.removeListener('request', onRequest);
  };
}

/** The answer to a request Node's parser refused before fastify saw it (bad length, headers too large, too slow). */
export function clientErrorAnswer(code: string | undefined): { status: number; title: string; detail: string } {
  if (code === 'HPE_HEADER_OVERFLOW') {
    return {
      status: 431,
      title: 'Request Header Fields Too Large',
      detail: 'The request header fields were too large.',
    };
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return {
      status: 408,
      title: 'Request Timeout',
      detail: 'The server has waited too long for the request to be sent by the client.',
    };
  }
  const msg =
    code === 'HPE_INVALID_CONTENT_LENGTH' || code === 'HPE_UNEXPECTED_CONTENT_LENGTH'
      ? 'content-length header must be an integer'
      : 'Bad Request';
  return {
    status: 400,
    title: 'Bad Request',
    detail: `The server could not comply with the request since it is either malformed or otherwise incorrect.\n\n ${msg}  `,
  };
}
