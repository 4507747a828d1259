import type { Logger } from './logging';
import { errorMessage, firstLine } from './error-text';

/**
 * Runs `step` now and then every `intervalMs` after the previous run ends (never two at once); a
 * failed step is logged and tried again next interval. stop() waits for a running step.
 */
export class IntervalLoop {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly step: () => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    /** What failed, for the log line: "<what> failed; trying again next interval". */
    private readonly what: string,
  ) {}

  start(): void {
    const loop = () => {
      this.running = this.step()
        .catch((error: unknown) => this.logger.warn({ err: firstLine(errorMessage(error), 300) }, `${this.what} failed; trying again next interval`))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(loop, this.intervalMs);
        });
    };
    this.timer = setTimeout(loop, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
