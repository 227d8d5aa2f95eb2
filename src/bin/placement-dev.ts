// Development entry: node dist/src/bin/placement-dev.js with `vfnet serve`'s options (--listen,
// --db, --auth, --policy-defaults, --policy-file, --cors-allowed-origin, ...), without the rest
// of the CLI: what the API test suites start.
import { Command } from 'commander';
import { addServeOptions, serve, serveOptionsFrom } from '../cli/serve.js';

const cmd = addServeOptions(new Command('placement-dev'));
cmd.parse(process.argv);
await serve(serveOptionsFrom(cmd.opts(), process.env, cmd));
