import { ParentClosePolicy, proxyActivities, startChild, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { OperatorNotice } from '../activities/operator-webhook';
import { operatorNoticeWorkflowId } from './workflow-ids';

const webhook = proxyActivities<Activities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '10m', maximumAttempts: 20 },
});

/** Delivers one operator notice, retrying with backoff for about a day at most. */
export async function operatorNoticeWorkflow(notice: OperatorNotice): Promise<void> {
  await webhook.notifyOperator(notice);
}

/** Fire and forget from an order: its own child run, abandoned by the parent, so it never blocks it. */
export async function tellOperator(notice: OperatorNotice, key: string): Promise<void> {
  await startChild(operatorNoticeWorkflow, {
    workflowId: operatorNoticeWorkflowId(workflowInfo().workflowId, key),
    args: [notice],
    parentClosePolicy: ParentClosePolicy.ABANDON,
  });
}
