// Development entry: node dist/src/bin/placement-dev.js --listen 127.0.0.1:PORT --db PATH|postgres://... [--cors-allowed-origin O]
import { parseArgs } from 'node:util';
import { serve } from '../cli/serve.js';

const { values } = parseArgs({
  options: {
    listen: { type: 'string', default: '127.0.0.1:8778' },
    db: { type: 'string', default: './data/vfnet.db' },
    'cors-allowed-origin': { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    'max-allocation-candidates': { type: 'string' },
  },
});
await serve({
  listen: values.listen!,
  db: values.db!,
  corsAllowedOrigin: values['cors-allowed-origin'] ?? null,
  logLevel: values['log-level']!,
  maxAllocationCandidates: values['max-allocation-candidates'] ? Number(values['max-allocation-candidates']) : null,
});
