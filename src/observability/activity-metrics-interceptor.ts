import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';
import type { Context } from '@temporalio/activity';
import { metrics } from './metrics';

/** Times every activity execution into keyflow_activity_duration_seconds. */
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
      throw error;
    }
  }
}
