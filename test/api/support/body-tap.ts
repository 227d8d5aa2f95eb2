// A byte-for-byte TCP relay in front of a server that reads, on the side, the HTTP answers going
// back, and hands every error answer (status >= 400) with its body to a callback: how the gabbi
// runs feed the secret audit (test/support/secret-audit.ts) without touching gabbi-run.
// The relay changes nothing on the wire (an HTTP proxy would re-frame requests the conformance
// files send malformed on purpose); the Host check ignores the port, so the server answers the
// relay's port as its own. Reading answers is best effort: a stream it cannot frame is relayed
// all the same and only that connection's remaining answers go unread.
import { connect, createServer, type Server } from 'node:net';

export type ErrorAnswer = (status: number, body: string, requestLine: string) => void;

/** Frames the answers of one connection; `feed` gets the server's bytes in order. */
export class AnswerReader {
  private buf = Buffer.alloc(0);
  private state: 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'trailer' | 'close' | 'lost' = 'head';
  private left = 0;
  private status = 0;
  private body: Buffer[] = [];
  private requestLine = '';
  private readonly requests: string[] = [];
  private pendingRequest = '';

  constructor(private readonly onError: ErrorAnswer) {}

  /** The client's bytes: only the request lines are kept, to know HEAD and to label answers. */
  request(chunk: Buffer): void {
    this.pendingRequest = (this.pendingRequest + chunk.toString('latin1')).slice(-65_536);
    const re = /(?:^|\r\n)([A-Z]{3,7} [^\s]+ HTTP\/1\.[01])\r\n/g;
    let m: RegExpExecArray | null;
    let last = 0;
    while ((m = re.exec(this.pendingRequest))) {
      this.requests.push(m[1]!);
      last = re.lastIndex;
    }
    this.pendingRequest = this.pendingRequest.slice(last);
  }

  feed(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    while (this.step()) {}
  }

  /** The server closed: an answer framed by the close ends here. */
  end(): void {
    if (this.state === 'close' || (this.state === 'length' && this.body.length > 0)) this.finish(this.buf);
  }

  private finish(rest: Buffer): void {
    if (this.status >= 400) this.onError(this.status, Buffer.concat([...this.body, rest]).toString(), this.requestLine);
    this.body = [];
    this.state = 'head';
  }

  private take(n: number): Buffer {
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  private keep(b: Buffer): void {
    if (this.status >= 400) this.body.push(Buffer.from(b));
  }

  /** One framing step; false when more bytes are needed. */
  private step(): boolean {
    switch (this.state) {
      case 'head': {
        const end = this.buf.indexOf('\r\n\r\n');
        if (end < 0) return false;
        const head = this.take(end + 4).toString('latin1');
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
        if (!m) {
          this.state = 'lost';
          return false;
        }
        this.status = Number(m[1]);
        if (this.status < 200) return true; // 100 Continue: the real answer follows
        this.requestLine = this.requests.shift() ?? '';
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        if (this.requestLine.startsWith('HEAD ') || this.status === 204 || this.status === 304)
          this.finish(Buffer.alloc(0));
        else if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) this.state = 'chunk-size';
        else if (length) {
          this.left = Number(length[1]);
          this.state = 'length';
          if (this.left === 0) this.finish(Buffer.alloc(0));
        } else this.state = 'close';
        return true;
      }
      case 'length': {
        if (this.buf.length === 0) return false;
        const part = this.take(Math.min(this.left, this.buf.length));
        this.keep(part);
        this.left -= part.length;
        if (this.left === 0) this.finish(Buffer.alloc(0));
        return true;
      }
      case 'chunk-size': {
        const end = this.buf.indexOf('\r\n');
        if (end < 0) return false;
        const size = Number.parseInt(this.take(end + 2).toString('latin1'), 16);
        if (Number.isNaN(size)) {
          this.state = 'lost';
          return false;
        }
        this.left = size;
        this.state = size === 0 ? 'trailer' : 'chunk-data';
        return true;
      }
      case 'chunk-data': {
        if (this.buf.length < this.left + 2) return false;
        this.keep(this.take(this.left));
        this.take(2);
        this.state = 'chunk-size';
        return true;
      }
      case 'trailer': {
        const end = this.buf.indexOf('\r\n');
        if (end < 0) return false;
        this.take(end + 2);
        if (end === 0) this.finish(Buffer.alloc(0));
        return true;
      }
      case 'close':
        this.keep(this.take(this.buf.length));
        return false;
      case 'lost':
        this.buf = Buffer.alloc(0);
        return false;
    }
  }
}

export interface BodyTap {
  /** http://127.0.0.1:PORT: give this to the client instead of the server's URL. */
  url: string;
  close(): Promise<void>;
}

/** Starts a relay on a free loopback port to `target` (http://host:port). */
export function startBodyTap(target: string, onError: ErrorAnswer): Promise<BodyTap> {
  const { hostname, port } = new URL(target);
  // Half-open on both sides: a client that has sent all it will send still gets its answer.
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    const reader = new AnswerReader(onError);
    const upstream = connect({ port: Number(port), host: hostname, allowHalfOpen: true });
    client.on('data', (b: Buffer) => {
      reader.request(b);
      upstream.write(b);
    });
    upstream.on('data', (b: Buffer) => {
      reader.feed(b);
      client.write(b);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => {
      reader.end();
      client.end();
    });
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    // A reset on one side resets the other; a clean end has already been passed on above.
    client.on('close', () => {
      if (!upstream.writableEnded) upstream.destroy();
    });
    upstream.on('close', () => {
      if (!client.writableEnded) client.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const p = typeof addr === 'object' && addr ? addr.port : 0;
      resolve({
        url: `http://127.0.0.1:${p}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // Connections gabbi-run left open would keep close() waiting.
            server.unref();
            setTimeout(done, 1000).unref();
          }),
      });
    });
  });
}
