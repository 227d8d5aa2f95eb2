// Development entry: node dist/src/bin/placement-dev.js --listen 127.0.0.1:PORT --db PATH|postgres://... [--cors-allowed-origin O] [limit flags of `vfnet serve`]
import { parseArgs } from 'node:util';
import { LIMIT_FLAGS, STRATEGY_FLAG, limitsFromFlags } from '../api/limits.js';
import { serve } from '../cli/serve.js';

const limitOptions = Object.fromEntries([...LIMIT_FLAGS.map((f) => f.flag), STRATEGY_FLAG].map((name) => [name, { type: 'string' as const }]));

const { values } = parseArgs({
  options: {
    listen: { type: 'string', default: '127.0.0.1:8778' },
    db: { type: 'string', default: './data/vfnet.db' },
    'cors-allowed-origin': { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    ...limitOptions,
  },
});
await serve({
  listen: values.listen!,
  db: values.db!,
  corsAllowedOrigin: values['cors-allowed-origin'] ?? null,
  logLevel: values['log-level']!,
  limits: limitsFromFlags(values),
});
