// The dashboard's live updates: one watcher per server process, however many pages are open. It
// polls the store's change counter (plugins and agents write from other processes, so there is
// no event to listen to; one indexed row read per tick), and on a change renders the state once
// and sends the same frame to every client. Bounded: a cap on clients; a heartbeat so proxies and
// the page see a quiet stream is alive; a slow client holds at most one frame beyond its socket's
// buffer (the newest: older states are of no use), and one that stays blocked is dropped.

export interface FeedClient {
  /** false when the socket's buffer is full: wait for onDrain before writing again. */
  write(chunk: string): boolean;
  onDrain(cb: () => void): void;
  close(): void;
}

export interface FeedTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export interface LiveFeedOptions {
  counter(): Promise<number>;
  /** The state as one JSON text, with the counter it was read at (one read transaction). */
  render(): Promise<{ counter: number; json: string }>;
  pollMs: number;
  heartbeatMs: number;
  maxClients: number;
  /** A client whose socket has not drained for this long is dropped. */
  stallMs: number;
  timers: FeedTimers;
  onError(e: unknown): void;
}

interface Entry {
  client: FeedClient;
  /** The newest frame not yet written, while the socket is full. */
  pending: string | null;
  blockedSince: number | null;
}

export const stateFrame = (json: string) => `event: state\ndata: ${json}\n\n`;
export const HEARTBEAT_FRAME = ': heartbeat\n\n';

export class LiveFeed {
  private readonly entries = new Map<FeedClient, Entry>();
  private last: { counter: number; frame: string } | null = null;
  private poll: unknown = null;
  private lastBeat = 0;
  private rendering: Promise<void> | null = null;

  constructor(private readonly o: LiveFeedOptions) {}

  get size(): number {
    return this.entries.size;
  }

  /** false when the feed is full; otherwise the client gets the current state at once. */
  add(client: FeedClient): boolean {
    if (this.entries.size >= this.o.maxClients) return false;
    const entry: Entry = { client, pending: null, blockedSince: null };
    this.entries.set(client, entry);
    if (this.entries.size === 1) {
      this.lastBeat = this.o.timers.now();
      this.schedule(0);
    } else if (this.last) this.deliver(entry, this.last.frame);
    return true;
  }

  remove(client: FeedClient): void {
    this.entries.delete(client);
    if (this.entries.size === 0) this.stop();
  }

  private stop(): void {
    if (this.poll !== null) this.o.timers.clearTimeout(this.poll);
    this.poll = null;
    // A later first client reads afresh: nothing stale is kept while nobody watches.
    this.last = null;
  }

  private schedule(ms: number): void {
    if (this.poll !== null) this.o.timers.clearTimeout(this.poll);
    this.poll = this.o.timers.setTimeout(() => {
      this.poll = null;
      void this.tick();
    }, ms);
  }

  private async tick(): Promise<void> {
    if (this.entries.size === 0) return;
    try {
      this.rendering ??= this.refresh();
      await this.rendering;
    } catch (e) {
      this.o.onError(e);
    } finally {
      this.rendering = null;
    }
    const now = this.o.timers.now();
    for (const entry of this.entries.values()) {
      if (entry.blockedSince !== null && now - entry.blockedSince >= this.o.stallMs) this.drop(entry);
    }
    if (now - this.lastBeat >= this.o.heartbeatMs) {
      this.lastBeat = now;
      for (const entry of this.entries.values()) if (entry.blockedSince === null) this.deliver(entry, HEARTBEAT_FRAME);
    }
    if (this.entries.size > 0) this.schedule(this.o.pollMs);
  }

  private async refresh(): Promise<void> {
    const counter = await this.o.counter();
    if (this.last && this.last.counter === counter) {
      // Clients that joined while nothing changed have had it from add(); nothing to send.
      return;
    }
    const { counter: at, json } = await this.o.render();
    this.last = { counter: at, frame: stateFrame(json) };
    for (const entry of this.entries.values()) this.deliver(entry, this.last.frame);
  }

  private deliver(entry: Entry, frame: string): void {
    if (entry.blockedSince !== null) {
      // Heartbeats are not kept: a blocked socket shows liveness by draining.
      if (frame !== HEARTBEAT_FRAME) entry.pending = frame;
      return;
    }
    if (entry.client.write(frame)) return;
    entry.blockedSince = this.o.timers.now();
    entry.client.onDrain(() => {
      if (!this.entries.has(entry.client)) return;
      entry.blockedSince = null;
      const next = entry.pending;
      entry.pending = null;
      if (next) this.deliver(entry, next);
    });
  }

  private drop(entry: Entry): void {
    this.entries.delete(entry.client);
    entry.client.close();
    if (this.entries.size === 0) this.stop();
  }

  /** Ends every stream (server shutdown). */
  closeAll(): void {
    for (const entry of [...this.entries.values()]) {
      this.entries.delete(entry.client);
      entry.client.close();
    }
    this.stop();
  }
}
