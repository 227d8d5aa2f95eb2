// A child process for test/unit/store/durable-commit.test.ts, run under strace: writes through
// the service's store (openStore: group commit, checkpoints on a worker) and records each
// acknowledgement as a write(2) to a marker file, so the trace shows what preceded each one.
//   node durable-writer.js DB ACKFILE SEQUENTIAL CONCURRENT
import { openSync, writeSync } from 'node:fs';
import { openStore } from '../../src/store/open.js';
import type { WorkerCheckpointer } from '../../src/store/wal-checkpointer.js';

const [dbPath, ackPath, sequential, concurrent] = process.argv.slice(2);
const store = await openStore(dbPath as string);
const ack = openSync(ackPath as string, 'w');
writeSync(ack, 'START\n');
for (let i = 0; i < Number(sequential); i++) {
  await store.createResourceClass(`CUSTOM_SEQ_${i}`);
  writeSync(ack, `ACK s${i}\n`);
}
await Promise.all(
  Array.from({ length: 8 }, async (_, w) => {
    for (let i = 0; i < Number(concurrent); i++) {
      await store.createResourceClass(`CUSTOM_C${w}_${i}`);
      writeSync(ack, `ACK c${w}.${i}\n`);
    }
  }),
);
// Private fields, read for the figure only: how many checkpoints completed (each allows one WAL restart).
const checkpointer = (store as unknown as { db: { checkpointer?: WorkerCheckpointer } }).db.checkpointer;
writeSync(
  ack,
  // short: strace shows the first 32 bytes of a write
  `CLOSE c=${checkpointer?.checkpoints ?? -1} r=${checkpointer?.restarts ?? -1} u=${checkpointer?.unheldCompletes ?? -1}\n`,
);
await store.close();
