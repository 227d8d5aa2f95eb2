// The checkpointing thread (see wal-checkpointer.ts): its own connection to the database, so the
// checkpoint's copy of the WAL into the database and its two fsyncs (WAL, then database) never
// run on the service's event loop. It checkpoints when asked and answers what SQLite reported.
// Asked to `restart` (the service's connection idle, its queue held), it also makes the first
// write of the next WAL cycle itself when the checkpoint completed: SQLite's writer restarts the
// WAL from its start and syncs the new WAL header (even with synchronous=NORMAL, so that frames
// of two cycles never mix after a power cut); done here, that sync is off the event loop too.
// The write sets application_id to the value it has: page 1 is rewritten, nothing changes.
import { parentPort, workerData } from 'node:worker_threads';
import { openSqlite } from './sqlite-driver.js';

const port = parentPort;
if (!port) throw new Error('checkpoint-worker runs as a worker thread');
const conn = await openSqlite((workerData as { path: string }).path);
// NORMAL: a checkpoint syncs the WAL before copying and the database after (OFF would skip both).
conn.exec('PRAGMA synchronous = NORMAL');
conn.exec('PRAGMA busy_timeout = 0');
const checkpoint = conn.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const applicationId = conn.prepare('PRAGMA application_id');
port.on('message', (msg: { id: number; restart?: boolean } | 'close') => {
  if (msg === 'close') {
    conn.close();
    port.close();
    return;
  }
  try {
    const r = checkpoint.get() as { busy: number; log: number; checkpointed: number };
    let restarted = false;
    if (msg.restart && r.busy === 0 && r.log > 0 && r.log === r.checkpointed) {
      const id = Number(Object.values(applicationId.get() as Record<string, number>)[0]);
      conn.exec(`PRAGMA application_id = ${id}`);
      restarted = true;
    }
    port.postMessage({ id: msg.id, ok: true, restarted, ...r });
  } catch (e) {
    port.postMessage({ id: msg.id, ok: false, error: String(e) });
  }
});
port.postMessage('ready');
