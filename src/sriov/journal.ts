// The undo journal: every change ADD makes is recorded with the step that reverses it, so a
// failure at any point restores exactly what was changed, in reverse order.
export interface UndoFailure {
  step: string;
  error: Error;
}

export class Journal {
  private readonly steps: { name: string; undo: () => void }[] = [];

  record(name: string, undo: () => void): void {
    this.steps.push({ name, undo });
  }

  get size(): number {
    return this.steps.length;
  }

  /** Runs every undo step, newest first. Keeps going past failures and returns them. */
  rollback(): UndoFailure[] {
    const failures: UndoFailure[] = [];
    while (this.steps.length) {
      const step = this.steps.pop()!;
      try {
        step.undo();
      } catch (e) {
        failures.push({ step: step.name, error: e as Error });
      }
    }
    return failures;
  }

  /** Forgets everything: the changes are now owned by the attachment. */
  commit(): void {
    this.steps.length = 0;
  }
}
