// `vfnet serve`'s request log keeps credentials out (src/api/log-safety.ts): a token or a
// password put in the query string is replaced, headers never appear, and what a reader of the
// log needs (method, path, the other query values, the status) stays.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { createPlacementApp } from '../../../src/api/app.js';
import { REDACTED, safeLoggerOptions, safeUrl } from '../../../src/api/log-safety.js';
import { openStore } from '../../../src/store/open.js';

const TOKEN = 'tok-3b9f0c1d2e4a5f6789abcdef';
const PASSWORD = 'pw-Zq8rT2mX9vLk4wN7';

describe('request log safety', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vfnet-logsafety-'));
  const lines: string[] = [];
  let app: ReturnType<typeof createPlacementApp>;
  let close: () => Promise<void>;

  before(async () => {
    const store = await openStore(join(dir, 'db.sqlite'));
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const logger = pino(safeLoggerOptions('info'), sink);
    app = createPlacementApp({ store, logger });
    close = async () => {
      await app.close();
      await store.close();
    };
  });
  after(async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs the request with credential-like query values replaced and no header', async () => {
    const r = await app.inject({
      method: 'GET',
      url: `/resource_providers?name=rp1&token=${TOKEN}&os_password=${encodeURIComponent(PASSWORD)}&X-Auth-Token=${TOKEN}`,
      headers: { 'x-auth-token': TOKEN, authorization: `Bearer ${TOKEN}`, 'openstack-api-version': 'placement 1.39' },
    });
    assert.ok(r.statusCode >= 200);
    const text = lines.join('\n');
    assert.ok(lines.length >= 2, 'the request was logged');
    assert.equal(text.includes(TOKEN), false, 'a token in the log');
    assert.equal(
      text.includes(PASSWORD) || text.includes(encodeURIComponent(PASSWORD)),
      false,
      'a password in the log',
    );
    const incoming = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'incoming request');
    assert.equal(
      incoming.req.url,
      `/resource_providers?name=rp1&token=${REDACTED}&os_password=${REDACTED}&X-Auth-Token=${REDACTED}`,
    );
    assert.equal(incoming.req.method, 'GET');
    assert.equal(incoming.req.headers, undefined);
  });

  it('redacts a header a log call passes by mistake', () => {
    const out: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        out.push(String(chunk));
        done();
      },
    });
    pino(safeLoggerOptions('info'), sink).info({ headers: { 'x-auth-token': TOKEN } }, 'oops');
    assert.equal(out.join('').includes(TOKEN), false);
    assert.match(out.join(''), /"x-auth-token":"\*\*\*"/);
  });

  it('keeps URLs without credentials as they are, and judges escaped names', () => {
    assert.equal(
      safeUrl('/allocation_candidates?resources=VCPU:1&limit=2'),
      '/allocation_candidates?resources=VCPU:1&limit=2',
    );
    assert.equal(safeUrl('/x'), '/x');
    assert.equal(safeUrl('/x?%74oken=abc&flag'), `/x?%74oken=${REDACTED}&flag`);
    assert.equal(safeUrl('/x?%zz=1&secret=2'), `/x?%zz=1&secret=${REDACTED}`);
  });
});
