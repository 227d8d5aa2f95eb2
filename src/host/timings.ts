// Where one plugin process spends its time, for VFNET_TRACE_TIMINGS=1: marks of the process's own
// phases (start-up, module loading, the store, the command) and the time inside each host port's
// methods, written as one log line at the end. Off by default and then absent: the composition
// root only builds one when asked, so an untraced exec pays nothing.
import type { HostPorts } from './ports.js';

/** performance.now(): milliseconds since this process's runtime started. */
const now = (): number => performance.now();

export class PhaseTimings {
  private readonly marks: [string, number][] = [];
  private readonly calls = new Map<string, { ms: number; n: number }>();

  /** Records that a phase ended now (its time is since the previous mark, or since start-up). */
  mark(phase: string): void {
    this.marks.push([phase, now()]);
  }

  /** Times a call, accumulated under `name` (count and total). */
  time<T>(name: string, fn: () => T): T {
    const t0 = now();
    const add = () => {
      const c = this.calls.get(name) ?? { ms: 0, n: 0 };
      c.ms += now() - t0;
      c.n++;
      this.calls.set(name, c);
    };
    try {
      const out = fn();
      if (out instanceof Promise) return out.finally(add) as T;
      add();
      return out;
    } catch (e) {
      add();
      throw e;
    }
  }

  /** Wraps every method of an object so its calls are timed as `label.method`. */
  wrap<T extends object>(label: string, target: T): T {
    return new Proxy(target, {
      get: (obj, key, receiver) => {
        const v = Reflect.get(obj, key, receiver);
        if (typeof v !== 'function' || typeof key !== 'string') return v;
        return (...args: unknown[]) =>
          this.time(`${label}.${key}`, () => (v as (...a: unknown[]) => unknown).apply(obj, args));
      },
    });
  }

  /** One line: `phase=ms` from start-up through each mark, then `port.method=ms×n` by time spent. */
  report(): string {
    let prev = 0;
    const phases = this.marks.map(([p, t]) => {
      const s = `${p}=${(t - prev).toFixed(2)}`;
      prev = t;
      return s;
    });
    const calls = [...this.calls.entries()]
      .sort((a, b) => b[1].ms - a[1].ms)
      .map(([k, c]) => `${k}=${c.ms.toFixed(2)}×${c.n}`);
    return `timings (ms) total=${now().toFixed(2)} ${phases.join(' ')} | ${calls.join(' ')}`;
  }
}

/** The same ports, each method call timed. */
export function timedPorts(ports: HostPorts, t: PhaseTimings): HostPorts {
  const out = {} as Record<string, object>;
  for (const [k, v] of Object.entries(ports)) out[k] = t.wrap(k, v as object);
  return out as unknown as HostPorts;
}
