// The hostile requests of issue 12, one function each, for the soak: each sends its attack to a
// server on loopback and says whether the answer was the expected one. Every wait is bounded.
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { PlacementClient } from '../../test/api/support/client.js';
import { chunked, exchange, head, manyOnes, open, trickle } from '../../test/api/support/raw-http.js';

const MB = 1024 * 1024;

export interface Attack {
  name: string;
  /** Runs the attack; resolves with the status seen (or a word) and whether it was the expected one. */
  run(): Promise<{ seen: string; ok: boolean }>;
}

/** The attacks against the server at `url`; `bombQuery` is an 8-group explosion query on a prepared tree. */
export function attacks(url: string, bombQuery: string): Attack[] {
  const port = Number(new URL(url).port);
  const c = new PlacementClient(url);
  const status = (want: number) => (s: number) => ({ seen: String(s), ok: s === want });
  return [
    {
      name: '60 MB chunked body',
      run: async () =>
        status(413)(
          (
            await exchange(
              port,
              head('PUT', `/resource_providers/${randomUUID()}/traits`, {
                'content-type': 'application/json',
                'transfer-encoding': 'chunked',
              }),
              chunked(manyOnes(60 * MB)),
            )
          ).status,
        ),
    },
    {
      name: '16 anonymous 60 MB uploads',
      run: async () => {
        const rs = await Promise.all(
          Array.from({ length: 16 }, () =>
            exchange(
              port,
              head(
                'POST',
                '/resource_providers',
                { 'content-type': 'application/json', 'content-length': 60 * MB },
                null,
              ),
            ),
          ),
        );
        const bad = rs.filter((r) => r.status !== 401).length;
        return { seen: bad ? `${bad} not 401` : '401 x16', ok: bad === 0 };
      },
    },
    {
      name: 'nesting 10^6 deep',
      run: async () =>
        status(400)(
          (await c.request('POST', '/resource_providers', { body: `${'['.repeat(1e6)}${']'.repeat(1e6)}` })).status,
        ),
    },
    {
      name: 'lone surrogate',
      run: async () =>
        status(400)((await c.request('POST', '/resource_providers', { body: '{"name": "soak-x\\ud800y"}' })).status),
    },
    {
      name: '10 MB name',
      run: async () =>
        status(413)((await c.request('POST', '/resource_providers', { body: { name: 'x'.repeat(10 * MB) } })).status),
    },
    {
      name: '3 MB name',
      run: async () => {
        const r = await c.request('POST', '/resource_providers', { body: { name: 'x'.repeat(3 * MB) } });
        return { seen: `${r.status}, ${r.text.length} bytes`, ok: r.status === 400 && r.text.length < 4096 };
      },
    },
    {
      name: 'a million empty objects',
      run: async () =>
        status(413)(
          (
            await c.request('PUT', `/resource_providers/${randomUUID()}/traits`, {
              body: `{"traits":[${'{},'.repeat(1e6)}{}]}`,
            })
          ).status,
        ),
    },
    {
      name: 'candidate explosion (8 groups, 8 PFs)',
      run: async () => {
        const r = await c.request('GET', `/allocation_candidates?${bombQuery}`);
        return { seen: `${r.status}, ${r.json?.allocation_requests?.length ?? 0} candidates`, ok: r.status === 200 };
      },
    },
    {
      name: '20 slow clients (1 byte/s headers)',
      run: async () => {
        // Not awaited in full: they trickle in the background until the server cuts them off.
        const slow = Array.from({ length: 20 }, () => trickle(port, head('GET', '/resource_providers'), 1000, 40_000));
        const rs = await Promise.all(slow);
        const cut = rs.filter((r) => r.closed).length;
        return { seen: `${cut}/20 cut off`, ok: cut === 20 };
      },
    },
    {
      name: '1 100 idle sockets',
      run: async () => {
        const idle: Socket[] = [];
        try {
          for (let i = 0; i < 1100; i++) {
            const s = await open(port).catch(() => null);
            if (s) {
              s.on('error', () => undefined);
              idle.push(s);
            }
          }
          const r = await c.request('GET', '/');
          return { seen: `GET / ${r.status} with ${idle.length} open`, ok: r.status === 200 };
        } finally {
          for (const s of idle) s.destroy();
        }
      },
    },
  ];
}
