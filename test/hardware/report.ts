// Reads what the guest printed (the protocol of scenarios/lib.sh and run-group.sh) into results.
export interface CheckResult {
  scenario: string;
  check: string;
  status: 'ok' | 'fail' | 'skip';
  detail: string;
}

export interface ScenarioRun {
  name: string;
  rc: number;
  secs: number;
}

export interface GuestReport {
  setup: string[];
  checks: CheckResult[];
  scenarios: ScenarioRun[];
  /** Milliseconds per "<scenario>/<add|check|del>", in call order. */
  times: Map<string, number[]>;
}

const RESULT = /^RESULT (\S+?)\/(\S+) (ok|fail|skip)(?: (.*))?$/;
const SCENARIO = /^SCENARIO (\S+) rc=(\d+) secs=(\d+)$/;
const TIME = /^TIME (\S+) (\d+)$/;

export function parseGuestOutput(text: string): GuestReport {
  const report: GuestReport = { setup: [], checks: [], scenarios: [], times: new Map() };
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    let m: RegExpMatchArray | null;
    if ((m = line.match(RESULT))) {
      report.checks.push({ scenario: m[1]!, check: m[2]!, status: m[3] as CheckResult['status'], detail: m[4] ?? '' });
    } else if ((m = line.match(SCENARIO))) {
      report.scenarios.push({ name: m[1]!, rc: Number(m[2]), secs: Number(m[3]) });
    } else if ((m = line.match(TIME))) {
      const list = report.times.get(m[1]!) ?? [];
      list.push(Number(m[2]));
      report.times.set(m[1]!, list);
    } else if (line.startsWith('SETUP ')) {
      report.setup.push(line.slice(6));
    }
  }
  return report;
}

/** "add: n=12 median 2310 ms (1800-4100)" per operation over all scenarios: the measured figures. */
export function summariseTimes(times: Map<string, number[]>): string[] {
  const byOp = new Map<string, number[]>();
  for (const [key, ms] of times) {
    const op = key.slice(key.lastIndexOf('/') + 1);
    byOp.set(op, [...(byOp.get(op) ?? []), ...ms]);
  }
  return [...byOp].map(([op, ms]) => {
    const s = [...ms].sort((a, b) => a - b);
    return `${op}: n=${s.length} median ${s[Math.floor(s.length / 2)]} ms (${s[0]}-${s[s.length - 1]})`;
  });
}
