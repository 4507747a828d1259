import { CancellationScope, log } from '@temporalio/workflow';
import { causeInBrief } from '../../error-text';

interface Compensation {
  name: string;
  undo: (why: string) => Promise<void>;
}

/**
 * The saga's undo list: each step that succeeds registers how to undo it, newest first
 * (`unshift`), and on failure they run in that order, in a scope a cancellation cannot interrupt,
 * each in its own try so one failing undo does not skip the others.
 */
export class Compensations {
  private readonly steps: Compensation[] = [];

  add(name: string, undo: (why: string) => Promise<void>): void {
    this.steps.unshift({ name, undo });
  }

  async run(why: string, orderNo: string): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      for (const { name, undo } of this.steps) {
        try {
          await undo(why);
        } catch (error) {
          log.error(`compensation "${name}" failed`, { orderNo, error: causeInBrief(error) });
        }
      }
    });
  }
}
