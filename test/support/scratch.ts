// A per-test workspace: a temporary directory, unique short names for host objects (netns,
// links, networks), and a cleanup stack that runs in reverse order whether the test passed or
// not. Real-world suites touch the host, so cleanup is part of the harness, not of each test.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';

type Cleanup = () => void | Promise<void>;

export class Scratch {
  readonly dir: string;
  /** Random, so two test files (or a stale leftover) never pick the same host names. */
  readonly tag: string;
  private readonly cleanups: { what: string; fn: Cleanup }[] = [];
  private counter = 0;
  private disposed = false;

  constructor(label = 'vfnet') {
    this.dir = mkdtempSync(join(tmpdir(), `${label}-`));
    this.tag = randomBytes(2).toString('hex');
    this.defer(`rm -rf ${this.dir}`, () => rmSync(this.dir, { recursive: true, force: true }));
  }

  /**
   * A name unique to this scratch: `<prefix><tag><n>`. Keep prefix ≤ 6 characters when the name
   * becomes a netdev (IFNAMSIZ is 16 including the NUL).
   */
  name(prefix: string): string {
    this.counter += 1;
    return `${prefix}${this.tag}${this.counter}`;
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  mkdir(...parts: string[]): string {
    const p = this.path(...parts);
    mkdirSync(p, { recursive: true });
    return p;
  }

  writeJson(rel: string, value: unknown): string {
    const p = this.path(rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, JSON.stringify(value, null, 2));
    return p;
  }

  /** Registers a cleanup step; steps run last-registered first. */
  defer(what: string, fn: Cleanup): void {
    if (this.disposed) throw new Error(`scratch ${this.dir} already disposed (registering: ${what})`);
    this.cleanups.push({ what, fn });
  }

  /**
   * Runs every cleanup step, even after one fails, and then reports all failures together:
   * a cleanup that stops at the first error leaves the rest of the host dirty.
   */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const failures: string[] = [];
    for (const { what, fn } of this.cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        failures.push(`${what}: ${(err as Error).message}`);
      }
    }
    if (failures.length) throw new Error(`cleanup failed:\n  ${failures.join('\n  ')}`);
  }
}

/** A Scratch disposed when the test (or suite) ends, pass or fail. */
export function scratchFor(t: Pick<TestContext, 'after'>, label?: string): Scratch {
  const s = new Scratch(label);
  t.after(() => s.dispose());
  return s;
}
