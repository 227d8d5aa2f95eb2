// The `vfnet` CLI entry point (runs under Node).
import { main } from '../cli/main.js';

main(process.argv).catch((e: unknown) => {
  console.error(`vfnet: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
