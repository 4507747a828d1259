import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import type { Config } from '../config';
import { reconcileWorkflow, type ReconcileInput } from '../workflows/reconcile';
import { archiveWorkflow, type ArchiveInput } from '../workflows/archive';
import type { Workflow } from '@temporalio/common';

export const RECONCILE_SCHEDULE_ID = 'keyflow-reconcile';
export const ARCHIVE_SCHEDULE_ID = 'keyflow-archive';
/** How often the archive Schedule looks for settled orders past ARCHIVE_AFTER. */
const ARCHIVE_EVERY_MS = 3_600_000;
const ARCHIVE_BATCH = 500;

export function reconcileInput(config: Config): ReconcileInput {
  return { createdGraceMs: 60_000, deliverySlaMs: config.order.deliverySlaMs, pageSize: 100, rejectedRetentionMs: config.rejectedNotificationRetentionMs };
}

/** Creates the Schedule, or brings an existing one up to date; a run still going when the next is due is not doubled. Safe at every start. */
async function ensureSchedule<W extends Workflow>(
  client: Client,
  scheduleId: string,
  everyMs: number,
  action: ScheduleOptionsStartWorkflowAction<W>,
): Promise<'created' | 'updated'> {
  const spec = { intervals: [{ every: everyMs }] };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1m' } });
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  await client.schedule.getHandle(scheduleId).update((previous) => ({
    ...previous,
    spec,
    action,
    policies: { ...previous.policies, overlap: ScheduleOverlapPolicy.SKIP },
  }));
  return 'updated';
}

/** The reconciliation Schedule, every RECONCILE_INTERVAL. */
export function ensureReconcileSchedule(client: Client, config: Config): Promise<'created' | 'updated'> {
  return ensureSchedule(client, RECONCILE_SCHEDULE_ID, config.reconcileIntervalMs, {
    type: 'startWorkflow',
    workflowType: reconcileWorkflow,
    taskQueue: config.temporal.taskQueue,
    args: [reconcileInput(config)] as [ReconcileInput],
    workflowExecutionTimeout: '30m',
  });
}

/** The archive Schedule, hourly; ARCHIVE_AFTER=0 removes it (nothing is archived). */
export async function ensureArchiveSchedule(client: Client, config: Config): Promise<'created' | 'updated' | 'off'> {
  if (config.archiveAfterMs === 0) {
    await client.schedule
      .getHandle(ARCHIVE_SCHEDULE_ID)
      .delete()
      .catch((error: unknown) => {
        if (!(error instanceof ScheduleNotFoundError)) throw error;
      });
    return 'off';
  }
  return ensureSchedule(client, ARCHIVE_SCHEDULE_ID, ARCHIVE_EVERY_MS, {
    type: 'startWorkflow',
    workflowType: archiveWorkflow,
    taskQueue: config.temporal.taskQueue,
    args: [{ olderThanMs: config.archiveAfterMs, batchSize: ARCHIVE_BATCH }] as [ArchiveInput],
    workflowExecutionTimeout: '2h',
  });
}
