import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Config } from '../config';
import { reconcileWorkflow, type ReconcileInput } from '../workflows/reconcile';

export const RECONCILE_SCHEDULE_ID = 'keyflow-reconcile';

export function reconcileInput(config: Config): ReconcileInput {
  return { createdGraceMs: 60_000, deliverySlaMs: config.order.deliverySlaMs, pageSize: 100, rejectedRetentionMs: config.rejectedNotificationRetentionMs };
}

/** Creates the reconciliation Schedule, or brings an existing one up to date. Safe at every start. */
export async function ensureReconcileSchedule(client: Client, config: Config): Promise<'created' | 'updated'> {
  const action = {
    type: 'startWorkflow' as const,
    workflowType: reconcileWorkflow,
    taskQueue: config.temporal.taskQueue,
    args: [reconcileInput(config)] as [ReconcileInput],
    workflowExecutionTimeout: '30m' as const,
  };
  const spec = { intervals: [{ every: config.reconcileIntervalMs }] };
  try {
    await client.schedule.create({
      scheduleId: RECONCILE_SCHEDULE_ID,
      spec,
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1m' },
    });
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  await client.schedule.getHandle(RECONCILE_SCHEDULE_ID).update((previous) => ({
    ...previous,
    spec,
    action,
    policies: { ...previous.policies, overlap: ScheduleOverlapPolicy.SKIP },
  }));
  return 'updated';
}
