// The dashboard's live feed with a hand-driven clock and clients whose sockets fill up on
// demand: the cap, the first state, one render per change for all clients, the heartbeat, a slow
// client that holds only the newest frame and is dropped when it stays blocked.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import { type FeedClient, HEARTBEAT_FRAME, LiveFeed, stateFrame } from '../../../src/dashboard/live-feed.js';

class ManualTimers {
  t = 0;
  private next = 1;
  private readonly due = new Map<number, { at: number; fn: () => void }>();
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.next++;
    this.due.set(id, { at: this.t + ms, fn });
    return id;
  };
  clearTimeout = (h: unknown) => {
    this.due.delete(h as number);
  };
  now = () => this.t;
  get pending(): number {
    return this.due.size;
  }
  /** Moves the clock, running what falls due (and the promises it starts) in order. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const first = [...this.due.entries()].sort((a, b) => a[1].at - b[1].at)[0];
      if (!first || first[1].at > end) break;
      this.due.delete(first[0]);
      this.t = first[1].at;
      first[1].fn();
      for (let i = 0; i < 5; i++) await turn();
    }
    this.t = end;
  }
}

class TestClient implements FeedClient {
  frames: string[] = [];
  full = false;
  closed = false;
  private drain: (() => void) | null = null;
  write(chunk: string): boolean {
    this.frames.push(chunk);
    return !this.full;
  }
  onDrain(cb: () => void): void {
    this.drain = cb;
  }
  close(): void {
    this.closed = true;
  }
  drained(): void {
    this.full = false;
    const cb = this.drain;
    this.drain = null;
    cb?.();
  }
  states(): string[] {
    return this.frames.filter((f) => f !== HEARTBEAT_FRAME);
  }
}

function feed(over: { maxClients?: number } = {}) {
  const timers = new ManualTimers();
  const store = { counter: 1, renders: 0, reads: 0 };
  const errors: unknown[] = [];
  const f = new LiveFeed({
    counter: async () => {
      store.reads++;
      return store.counter;
    },
    render: async () => {
      store.renders++;
      return { counter: store.counter, json: `{"g":${store.counter}}` };
    },
    pollMs: 200,
    heartbeatMs: 15_000,
    maxClients: over.maxClients ?? 3,
    stallMs: 30_000,
    timers,
    onError: (e) => errors.push(e),
  });
  return { f, timers, store, errors };
}

describe('dashboard live feed', () => {
  it('the first client gets the state at once; a change is rendered once and sent to every client', async () => {
    const { f, timers, store } = feed();
    const a = new TestClient();
    assert.equal(f.add(a), true);
    await timers.advance(0);
    assert.deepEqual(a.states(), [stateFrame('{"g":1}')]);
    const b = new TestClient();
    f.add(b);
    assert.deepEqual(b.states(), [stateFrame('{"g":1}')], 'a later client gets the last frame without a read');
    await timers.advance(1000);
    assert.equal(store.renders, 1, 'nothing changed: no render');
    store.counter = 2;
    await timers.advance(200);
    assert.equal(store.renders, 2);
    for (const c of [a, b]) assert.equal(c.states().at(-1), stateFrame('{"g":2}'));
  });

  it('caps its clients', () => {
    const { f } = feed({ maxClients: 2 });
    assert.equal(f.add(new TestClient()), true);
    assert.equal(f.add(new TestClient()), true);
    assert.equal(f.add(new TestClient()), false);
    assert.equal(f.size, 2);
  });

  it('sends a heartbeat on a quiet stream', async () => {
    const { f, timers } = feed();
    const a = new TestClient();
    f.add(a);
    await timers.advance(14_000);
    assert.equal(a.frames.filter((x) => x === HEARTBEAT_FRAME).length, 0);
    await timers.advance(1_200);
    assert.equal(a.frames.filter((x) => x === HEARTBEAT_FRAME).length, 1);
  });

  it('a slow client holds only the newest frame until it drains, and is dropped when it stays blocked', async () => {
    const { f, timers, store } = feed();
    const slow = new TestClient();
    const quick = new TestClient();
    f.add(slow);
    f.add(quick);
    await timers.advance(0);
    slow.full = true;
    store.counter = 2;
    await timers.advance(200);
    // The write that filled the socket was taken; from now on, frames wait in one slot.
    const written = slow.frames.length;
    for (let g = 3; g <= 6; g++) {
      store.counter = g;
      await timers.advance(200);
    }
    assert.equal(slow.frames.length, written, 'nothing written while the socket is full');
    assert.equal(quick.states().at(-1), stateFrame('{"g":6}'));
    slow.drained();
    assert.deepEqual(slow.frames.slice(written), [stateFrame('{"g":6}')], 'only the newest frame, once');

    slow.full = true;
    store.counter = 7;
    await timers.advance(200);
    await timers.advance(30_000);
    assert.equal(slow.closed, true, 'blocked for the stall time: dropped');
    assert.equal(f.size, 1);
    assert.equal(quick.closed, false);
  });

  it('stops watching when the last client leaves, and reads afresh for the next', async () => {
    const { f, timers, store } = feed();
    const a = new TestClient();
    f.add(a);
    await timers.advance(400);
    f.remove(a);
    assert.equal(timers.pending, 0, 'no timer left');
    const reads = store.reads;
    await timers.advance(5_000);
    assert.equal(store.reads, reads, 'no reads while nobody watches');
    const b = new TestClient();
    f.add(b);
    await timers.advance(0);
    assert.equal(b.states().length, 1);
  });

  it('a failed read is reported and the feed goes on', async () => {
    const { f, timers, store, errors } = feed();
    const a = new TestClient();
    f.add(a);
    await timers.advance(0);
    const real = store.counter;
    let fail = true;
    Object.defineProperty(store, 'counter', {
      get: () => {
        if (fail) throw new Error('database is locked');
        return real + 1;
      },
    });
    await timers.advance(200);
    assert.equal(errors.length, 1);
    fail = false;
    await timers.advance(200);
    assert.equal(a.states().at(-1), stateFrame(`{"g":${real + 1}}`));
  });

  it('closeAll ends every stream', () => {
    const { f } = feed();
    const a = new TestClient();
    const b = new TestClient();
    f.add(a);
    f.add(b);
    f.closeAll();
    assert.equal(a.closed && b.closed, true);
    assert.equal(f.size, 0);
  });
});
