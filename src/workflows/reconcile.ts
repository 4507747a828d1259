import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { Finding, ReconcileThresholds, StepResult } from '../activities/reconciliation';

const steps = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
});

export interface ReconcileInput extends ReconcileThresholds {
  /** Passes already made in this run chain (continue-as-new keeps the history small). */
  pass?: number;
}

export interface ReconcileReport {
  runId: number;
  checked: number;
  repaired: number;
  findings: Finding[];
}

const MAX_PASSES = 20;

/**
 * One reconciliation run, started by the Schedule every RECONCILE_INTERVAL: relay the inbox, fail
 * orphaned orders, recover dead workflows, and compare with what the channels say was paid. Each
 * step pages; if any page was full, the run continues as new to take the next page.
 */
export async function reconcileWorkflow(input: ReconcileInput): Promise<ReconcileReport> {
  const runId = await steps.startReconciliationRun({ workflowId: workflowInfo().workflowId });
  const results: StepResult[] = [];
  results.push(await steps.reconcileInbox(input));
  results.push(await steps.reconcileCreatedOrphans(input));
  results.push(await steps.reconcileStaleAwaiting(input));
  results.push(await steps.reconcileHeldPayments(input));
  results.push(await steps.reconcilePaidNotDelivered(input));
  results.push(await steps.reconcileChannelTrades(input));
  results.push(await steps.pruneRejectedNotifications(input));
  const findings = results.flatMap((r) => r.findings);
  const checked = results.reduce((sum, r) => sum + r.checked, 0);
  await steps.finishReconciliationRun({ runId, checked, findings });
  const pass = (input.pass ?? 0) + 1;
  if (results.some((r) => r.more) && pass < MAX_PASSES) {
    await continueAsNew<typeof reconcileWorkflow>({ ...input, pass });
  }
  return { runId, checked, repaired: findings.filter((f) => f.repaired).length, findings };
}
