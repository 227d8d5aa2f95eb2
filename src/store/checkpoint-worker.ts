// The checkpointing thread (see wal-checkpointer.ts): its own connection to the database, so the
// checkpoint's copy of the WAL into the database and its two fsyncs (WAL, then database) never
// run on the service's event loop. It checkpoints when asked and answers what SQLite reported.
import { parentPort, workerData } from 'node:worker_threads';
import { openSqlite } from './sqlite-driver.js';

const port = parentPort;
if (!port) throw new Error('checkpoint-worker runs as a worker thread');
const conn = await openSqlite((workerData as { path: string }).path);
// NORMAL: a checkpoint syncs the WAL before copying and the database after (OFF would skip both).
conn.exec('PRAGMA synchronous = NORMAL');
conn.exec('PRAGMA busy_timeout = 0');
const checkpoint = conn.prepare('PRAGMA wal_checkpoint(PASSIVE)');
port.on('message', (msg: { id: number } | 'close') => {
  if (msg === 'close') {
    conn.close();
    port.close();
    return;
  }
  try {
    const r = checkpoint.get() as { busy: number; log: number; checkpointed: number };
    port.postMessage({ id: msg.id, ok: true, ...r });
  } catch (e) {
    port.postMessage({ id: msg.id, ok: false, error: String(e) });
  }
});
port.postMessage('ready');
