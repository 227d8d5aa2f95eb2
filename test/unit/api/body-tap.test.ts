// The gabbi runs' answer reader (test/api/support/body-tap.ts): it must frame every answer of a
// connection, whatever the byte boundaries, and hand on exactly the error answers' bodies.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnswerReader } from '../../api/support/body-tap.js';

function read(requests: string, answers: string, cut = 0): Array<[number, string, string]> {
  const got: Array<[number, string, string]> = [];
  const r = new AnswerReader((status, body, line) => got.push([status, body, line]));
  r.request(Buffer.from(requests));
  const bytes = Buffer.from(answers);
  if (cut === 0) r.feed(bytes);
  else for (let i = 0; i < bytes.length; i += cut) r.feed(bytes.subarray(i, i + cut));
  r.end();
  return got;
}

const req = (m: string, p: string) => `${m} ${p} HTTP/1.1\r\nHost: x\r\n\r\n`;
const ans = (status: number, body: string) =>
  `HTTP/1.1 ${status} X\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('body tap answer reader', () => {
  it('hands on error answers with their bodies and request lines, not successes, at any cut', () => {
    const requests = req('GET', '/a') + req('POST', '/b') + req('GET', '/c');
    const answers = ans(200, '{"ok":1}') + ans(401, '{"error":"no"}') + ans(404, 'gone');
    for (const cut of [0, 1, 7]) {
      assert.deepEqual(read(requests, answers, cut), [
        [401, '{"error":"no"}', 'POST /b HTTP/1.1'],
        [404, 'gone', 'GET /c HTTP/1.1'],
      ]);
    }
  });

  it('reads chunked bodies, skips 100 Continue, and a HEAD answer has no body', () => {
    const requests = req('PUT', '/a') + req('HEAD', '/h') + req('GET', '/z');
    const answers =
      'HTTP/1.1 100 Continue\r\n\r\n' +
      'HTTP/1.1 400 Bad\r\ntransfer-encoding: chunked\r\n\r\n4\r\nbad \r\n5\r\ninput\r\n0\r\n\r\n' +
      'HTTP/1.1 404 X\r\ncontent-length: 10\r\n\r\n' +
      ans(409, 'conflict');
    assert.deepEqual(
      read(requests, answers, 3).map(([s, b]) => [s, b]),
      [
        [400, 'bad input'],
        [404, ''],
        [409, 'conflict'],
      ],
    );
  });

  it('an answer framed by the close ends with it', () => {
    assert.deepEqual(read(req('GET', '/'), 'HTTP/1.1 500 X\r\nconnection: close\r\n\r\noops'), [
      [500, 'oops', 'GET / HTTP/1.1'],
    ]);
  });
});
