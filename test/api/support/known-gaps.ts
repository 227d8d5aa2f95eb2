// The committed list of checks that vfnet is known to fail today (known-gaps.json), per suite,
// with the reason. A listed check runs as a node:test `todo`: its failure is reported but does
// not fail the run, and a listed check that passes is reported so the entry can be removed.
// Checks against real Placement never read this list.
// VFNET_UPDATE_EXPECTED=1 turns the list into a record of this run instead: every vfnet check
// runs as a plain test, and the file is rewritten with exactly the checks that failed (reason:
// the first line of the assertion message). Review the diff before committing it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export type GapSuite = 'osc-placement' | 'bad-input' | 'concurrency';

type GapFile = Record<string, Record<string, string>>;

export class KnownGaps {
  private readonly file: string;
  private readonly updating = process.env.VFNET_UPDATE_EXPECTED === '1';
  private readonly gaps: GapFile;

  constructor(sourceDir: string) {
    this.file = join(sourceDir, 'known-gaps.json');
    this.gaps = this.read();
  }

  private read(): GapFile {
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as GapFile;
    } catch {
      return {};
    }
  }

  /** Re-reads before writing: the suites are separate test files that run one after another. */
  private record(suite: GapSuite, check: string, reason: string | undefined): void {
    const current = this.read();
    const entries = { ...(current[suite] ?? {}) };
    if (reason === undefined) delete entries[check];
    else entries[check] = reason;
    current[suite] = Object.fromEntries(Object.entries(entries).sort(([a], [b]) => a.localeCompare(b)));
    writeFileSync(this.file, `${JSON.stringify(current, null, 2)}\n`);
  }

  /** The reason a check is expected to fail against vfnet, or undefined. */
  reason(suite: GapSuite, check: string): string | undefined {
    return this.gaps[suite]?.[check];
  }

  /**
   * Runs one named check as a subtest: `todo` when it is a known vfnet gap, recorded into the
   * file when updating.
   */
  check(
    t: TestContext,
    suite: GapSuite,
    name: string,
    forVfnet: boolean,
    fn: () => void | Promise<void>,
  ): Promise<void> {
    const why = forVfnet && !this.updating ? this.reason(suite, name) : undefined;
    return t.test(name, why ? { todo: `known gap: ${why}` } : {}, async () => {
      if (!forVfnet || !this.updating) return fn();
      try {
        await fn();
        this.record(suite, name, undefined);
      } catch (e) {
        // the message without node's diff dump, which repeats it at length
        const text = String((e as Error)?.message ?? e)
          .split('\n+ actual - expected')[0]!
          .replace(/\s+/g, ' ')
          .trim();
        this.record(suite, name, text.length > 300 ? `${text.slice(0, 297)}...` : text);
        throw e;
      }
    });
  }
}
