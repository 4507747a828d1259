import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';
import type { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { metrics } from './metrics';

/** Times every activity execution into keyflow_activity_duration_seconds and counts attempts that will be retried. */
export class ActivityMetricsInterceptor implements ActivityInboundCallsInterceptor {
  constructor(private readonly ctx: Context) {}

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const stop = metrics.activitySeconds.startTimer({ activity: this.ctx.info.activityType });
    try {
      const result = await next(input);
      stop({ result: 'ok' });
      return result;
    } catch (error) {
      stop({ result: 'error' });
      // A failed attempt Temporal will retry: what keeps a step waiting (an outage alerts on these).
      if (!(error instanceof ApplicationFailure && error.nonRetryable)) {
        const failure = error instanceof ApplicationFailure ? (error.type ?? 'ApplicationFailure') : error instanceof Error ? error.name : 'unknown';
        metrics.activityRetries.inc({ activity: this.ctx.info.activityType, failure });
      }
      throw error;
    }
  }
}
