// The bounds on one request's work, and on the connections that carry requests: every one is a
// `vfnet serve` flag (docs/user-guide.md, "Limits"), with a default that keeps one request, or
// one client, from taking the service down. A limit of 0 means "none" only where that is said.

export type GenerationStrategy = 'depth-first' | 'breadth-first';

export interface RequestLimits {
  /** Largest request body; 413 before reading when content-length says more, while reading otherwise. */
  maxBodyBytes: number;
  /** Deepest JSON nesting of a body (arrays and objects). */
  maxJsonDepth: number;
  /** Most JSON values of a body (containers opened plus separators). */
  maxJsonElements: number;
  /** Longest request target (path and query); 414 beyond. */
  maxUrlBytes: number;
  /** Largest request line plus headers (Node's maxHeaderSize); 431 beyond. */
  maxHeaderBytes: number;
  /** A request must arrive in full (headers and body) within this time (Node's requestTimeout). */
  requestTimeoutMs: number;
  /** A request's headers must arrive within this time (Node's headersTimeout). */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this time. */
  keepAliveTimeoutMs: number;
  /** Open connections at most; beyond, the oldest idle one is closed, or the new one when none is idle. */
  maxConnections: number;
  /** Candidates generated per request at most (Placement's max_allocation_candidates); 0 = none. */
  maxAllocationCandidates: number;
  /** Time one candidate generation may take; beyond, the answer holds what was found (0 = none). */
  candidateTimeBudgetMs: number;
  /** Memory one candidate generation may take, estimated; beyond, the answer holds what was found (0 = none). */
  candidateMemoryBudgetBytes: number;
  /** The order in which trees are visited (Placement's allocation_candidates_generation_strategy). */
  generationStrategy: GenerationStrategy;
}

export const DEFAULT_LIMITS: Readonly<RequestLimits> = {
  maxBodyBytes: 4 * 1024 * 1024,
  maxJsonDepth: 64,
  maxJsonElements: 200_000,
  maxUrlBytes: 16 * 1024,
  maxHeaderBytes: 32 * 1024,
  requestTimeoutMs: 60_000,
  headersTimeoutMs: 20_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 768,
  maxAllocationCandidates: 50_000,
  candidateTimeBudgetMs: 10_000,
  candidateMemoryBudgetBytes: 512 * 1024 * 1024,
  generationStrategy: 'breadth-first',
};

/** One flag per limit: its name, and how its value is checked. */
export interface LimitFlag {
  flag: string;
  key: keyof RequestLimits;
  help: string;
  /** The smallest value accepted (0 where 0 means "none"). */
  min: number;
}

export const LIMIT_FLAGS: readonly LimitFlag[] = [
  { flag: 'max-body-bytes', key: 'maxBodyBytes', min: 1, help: 'largest request body in bytes (413 beyond)' },
  { flag: 'max-json-depth', key: 'maxJsonDepth', min: 1, help: 'deepest JSON nesting of a body (400 beyond)' },
  { flag: 'max-json-elements', key: 'maxJsonElements', min: 1, help: 'most JSON values in a body (413 beyond)' },
  { flag: 'max-url-bytes', key: 'maxUrlBytes', min: 64, help: 'longest request path and query (414 beyond)' },
  { flag: 'max-header-bytes', key: 'maxHeaderBytes', min: 1024, help: 'largest request line and headers (431 beyond)' },
  {
    flag: 'request-timeout-ms',
    key: 'requestTimeoutMs',
    min: 1,
    help: 'time for a whole request (headers and body) to arrive',
  },
  { flag: 'headers-timeout-ms', key: 'headersTimeoutMs', min: 1, help: "time for a request's headers to arrive" },
  {
    flag: 'keep-alive-timeout-ms',
    key: 'keepAliveTimeoutMs',
    min: 1,
    help: 'idle time after which a keep-alive connection is closed',
  },
  {
    flag: 'max-connections',
    key: 'maxConnections',
    min: 1,
    help: 'open connections at most (the oldest idle one is closed first)',
  },
  {
    flag: 'max-allocation-candidates',
    key: 'maxAllocationCandidates',
    min: 0,
    help: "candidates generated per request at most (Placement's max_allocation_candidates; 0 = none)",
  },
  {
    flag: 'candidate-time-budget-ms',
    key: 'candidateTimeBudgetMs',
    min: 0,
    help: 'time one candidate generation may take before it answers what it found (0 = none)',
  },
  {
    flag: 'candidate-memory-budget-bytes',
    key: 'candidateMemoryBudgetBytes',
    min: 0,
    help: 'estimated memory one candidate generation may take before it answers what it found (0 = none)',
  },
];

export const STRATEGY_FLAG = 'allocation-candidates-generation-strategy';

/** An integer flag value, checked: a bad value stops the server at start, never later. */
export function parseLimitValue(flag: LimitFlag, text: string): number {
  if (!/^\d+$/.test(text.trim()))
    throw new Error(`--${flag.flag} must be a whole number, got ${JSON.stringify(text.slice(0, 40))}`);
  const v = Number(text.trim());
  if (!Number.isSafeInteger(v) || v < flag.min)
    throw new Error(`--${flag.flag} must be at least ${flag.min}, got ${text.slice(0, 40)}`);
  return v;
}

export function parseStrategy(text: string): GenerationStrategy {
  if (text === 'depth-first' || text === 'breadth-first') return text;
  throw new Error(`--${STRATEGY_FLAG} must be depth-first or breadth-first, got ${JSON.stringify(text.slice(0, 40))}`);
}

/** The limits from flag values by flag name (commander's camelCase keys or parseArgs' names), defaults for the rest. */
export function limitsFromFlags(values: Record<string, unknown>): RequestLimits {
  const out: RequestLimits = { ...DEFAULT_LIMITS };
  const pick = (name: string, key: string) => values[name] ?? values[key];
  for (const f of LIMIT_FLAGS) {
    const v = pick(f.flag, f.key);
    if (v !== undefined && v !== null) (out[f.key] as number) = parseLimitValue(f, String(v));
  }
  const s = pick(STRATEGY_FLAG, 'allocationCandidatesGenerationStrategy');
  if (s !== undefined && s !== null) out.generationStrategy = parseStrategy(String(s));
  return out;
}
