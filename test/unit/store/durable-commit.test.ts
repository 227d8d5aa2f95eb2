// The service's commits on a real SQLite file, watched by strace: every acknowledgement is
// preceded by an fdatasync/fsync of the -wal file that began after the last write to it, and the
// event loop's thread (the process's main thread) syncs nothing while it writes: the WAL syncs
// run on libuv's pool, the checkpoints and the WAL restarts (whose header SQLite syncs) on the
// worker; only a restart the worker could not make would leave that header sync to the main thread.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const writer = fileURLToPath(new URL('../../support/durable-writer.js', import.meta.url));
const SEQUENTIAL = 1500; // long enough (> 1 s) for the worker to checkpoint and restart the WAL
const CONCURRENT = 150; // per writer, 8 writers

interface Call {
  pid: string;
  name: string;
  fd: string;
  ret: string;
  /** Line index of the call's entry and of its completion. */
  start: number;
  end: number;
}

/** strace -f -y lines, with `<unfinished ...>` / `<... resumed>` pairs joined. */
function calls(trace: string): Call[] {
  const out: Call[] = [];
  const open = new Map<string, Omit<Call, 'ret' | 'end'>>();
  trace.split('\n').forEach((line, i) => {
    const m = /^(\d+)\s+(.*)$/.exec(line); // strace pads short pids
    if (!m) return;
    const [, pid, rest] = m as unknown as [string, string, string];
    const resumed = /^<\.\.\. (\w+) resumed>.*= (-?\d+)/.exec(rest);
    if (resumed) {
      const o = open.get(pid);
      open.delete(pid);
      if (o) out.push({ ...o, ret: resumed[2] as string, end: i });
      return;
    }
    const call = /^(\w+)\(\d+<([^>]*)>/.exec(rest);
    if (!call) return;
    const base = { pid, name: call[1] as string, fd: call[2] as string, start: i };
    if (rest.endsWith('<unfinished ...>')) open.set(pid, base);
    else out.push({ ...base, ret: /= (-?\d+)/.exec(rest)?.[1] ?? '?', end: i });
  });
  return out.sort((a, b) => a.end - b.end);
}

test('an acknowledged write follows a sync of the -wal file; the event loop makes none per commit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vfnet-durable-strace-'));
  try {
    const db = join(dir, 'db.sqlite');
    const wal = `${db}-wal`;
    const acks = join(dir, 'acks');
    const tracePath = join(dir, 'trace');
    execFileSync(
      'strace',
      [
        ...['-f', '-y', '-qq', '-o', tracePath, '-e', 'trace=pwrite64,write,fdatasync,fsync'],
        ...[process.execPath, writer, db, acks, String(SEQUENTIAL), String(CONCURRENT)],
      ],
      { stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 },
    );
    const trace = readFileSync(tracePath, 'utf8');
    const lines = trace.split('\n');
    const mainPid = /^(\d+)\s/.exec(trace)?.[1];
    // The main thread's completed -wal writes (the acknowledged transactions' frames: the store's
    // connection lives there) and every successful -wal sync, in order of completion. An
    // acknowledgement is judged by what had completed before its own write(2) began. The checkpoint
    // worker's writes (a new WAL cycle's header, synced by the worker, and its first frame) are no
    // acknowledged transaction's: they may land while earlier commits are being acknowledged, and a
    // later group sync covers them with the frames that follow them.
    const walWrites: number[] = [];
    const walSyncs_: Array<{ start: number; end: number }> = [];
    let acked = 0;
    let walSyncs = 0;
    let mainSyncs = 0;
    let started = false;
    let checkpoints = -1;
    let restarts = -1;
    let unheld = -1;
    for (const c of calls(trace)) {
      if (c.name === 'pwrite64' && c.fd === wal && c.pid === mainPid) walWrites.push(c.end);
      else if ((c.name === 'fdatasync' || c.name === 'fsync') && c.fd === wal && c.ret === '0') {
        walSyncs_.push({ start: c.start, end: c.end });
        if (started) walSyncs++;
      }
      if ((c.name === 'fdatasync' || c.name === 'fsync') && started && c.pid === mainPid) mainSyncs++;
      if (c.name === 'pwrite64' || c.name === 'fdatasync' || c.name === 'fsync') continue;
      if (c.name === 'write' && c.fd === acks) {
        const marker = /"([^"\\]*)/.exec(lines[c.start] ?? '')?.[1] ?? '';
        if (marker === 'START') started = true;
        if (marker.startsWith('CLOSE')) {
          checkpoints = Number(/ c=(-?\d+)/.exec(marker)?.[1]);
          restarts = Number(/ r=(-?\d+)/.exec(marker)?.[1]);
          unheld = Number(/ u=(-?\d+)/.exec(marker)?.[1]);
          break;
        }
        if (!marker.startsWith('ACK')) continue;
        acked++;
        const lastWalWrite = walWrites.findLast((end) => end < c.start) ?? -1;
        const covered = walSyncs_.some((y) => y.start > lastWalWrite && y.end < c.start);
        assert.ok(
          covered,
          `${marker}: the last write to the -wal (trace line ${lastWalWrite + 1}) is not covered by a sync begun after it and completed before the acknowledgement (line ${c.start + 1})`,
        );
      }
    }
    assert.equal(acked, SEQUENTIAL + 8 * CONCURRENT, 'every acknowledgement seen in the trace');
    assert.ok(checkpoints >= 1 && restarts >= 1, `the worker checkpointed (${checkpoints}, restarts ${restarts})`);
    // The main thread may sync a WAL header only for a cycle it began itself: a checkpoint whose
    // restart the worker could not make, or one whose unheld step already copied the whole WAL
    // (wal-checkpointer.ts, unheldCompletes). Nothing else, and never per commit.
    assert.ok(unheld >= 0, 'the writer reported the unheld complete checkpoints');
    assert.ok(
      mainSyncs <= checkpoints - restarts + unheld,
      `the main thread synced ${mainSyncs} times (${checkpoints} checkpoints, ${restarts} WAL restarts by the worker, ${unheld} unheld complete)`,
    );
    assert.ok(walSyncs < acked, `group commit: ${walSyncs} WAL syncs for ${acked} acknowledged writes`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
