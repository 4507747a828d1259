import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { DELIVERY_EMAIL_HORIZON_MS, deliveryEmailsOwed } from '../db/delivery-email-owed';
import type { Config } from '../config';
import type { Logger } from '../logging';
import { IntervalLoop } from '../interval-loop';
import { startDeferredDeliveryEmails } from '../orders/order-runs';
import { orderWorkflowId } from '../workflows/workflow-ids';
import { defersDeliveryEmail } from './degrade-levels';
import { readDegradeSwitch } from './degrade-switch';
import { ResendBackoff } from './resend-backoff';

/** Emails handed to a batch per step: after a peak they go out over a few minutes, not all at once. */
const BATCH = 200;
/** A delivery this recent may still have its own run's email in flight. */
const SETTLE_MS = 30_000;
/** An order whose email a batch could not send is handed again after this, doubling up to the buyer email's own 5 min cap. */
const RESEND_AFTER = { firstMs: 30_000, maxMs: 5 * 60_000 };

/**
 * Sends the delivery emails that runs at degrade level essential left out, once the switch is lean
 * or normal again: the DELIVERED orders without `emailedAt` whose own runs have closed go to one
 * batch run (deferredDeliveryEmailsWorkflow; the activity sends each at most once). A run still open
 * (its email retrying through a mail outage) is left to finish; an email the batch could not send
 * comes back in a later step, for as long as it stays unsent, unless the mail server refused the
 * buyer's address for good (EMAIL_REJECTED on the timeline).
 */
export class DeferredEmailSender {
  private readonly loop: IntervalLoop;
  private readonly backoff = new ResendBackoff(RESEND_AFTER);

  constructor(private readonly deps: { db: Db; temporal: Client; config: Config; clock: () => Date; logger: Logger; intervalMs: number }) {
    this.loop = new IntervalLoop(() => this.step(), deps.intervalMs, deps.logger, 'deferred email step');
  }

  /** How many emails this step handed to a batch (0 while the level still defers them, or while a batch still runs). */
  async step(): Promise<number> {
    const { db, temporal, clock } = this.deps;
    if (defersDeliveryEmail((await readDegradeSwitch(db)).level)) return 0;
    const now = clock().getTime();
    const due = await deliveryEmailsOwed(db, { after: new Date(now - DELIVERY_EMAIL_HORIZON_MS), before: new Date(now - SETTLE_MS), limit: BATCH });
    // The order's own run, and the run now responsible for it if that is another (a recovery, a staff action).
    const runsOf = (order: (typeof due)[number]) => [orderWorkflowId(order.orderNo), ...(order.workflowId ? [order.workflowId] : [])];
    const open = await openRuns(temporal, [...new Set(due.flatMap(runsOf))]);
    const closed = due.filter((order) => !runsOf(order).some((id) => open.has(id))).map((order) => order.orderNo);
    const orderNos = this.backoff.ready(closed, now);
    if (orderNos.length === 0 || !(await startDeferredDeliveryEmails(this.deps, orderNos))) return 0;
    this.backoff.handedOver(orderNos, now);
    this.deps.logger.info({ emails: orderNos.length }, 'deferred delivery emails handed to a batch');
    return orderNos.length;
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}

/**
 * Which of these runs are still open, in one visibility query rather than a describe per run. The
 * visibility store may show a run that has just closed as open a moment longer: its order then
 * waits for the next step, never the other way round.
 */
async function openRuns(temporal: Client, workflowIds: string[]): Promise<Set<string>> {
  const open = new Set<string>();
  if (workflowIds.length === 0) return open;
  // Ids are Keyflow's own (order numbers are alphanumeric); a quote could only come from a bug.
  if (workflowIds.some((id) => id.includes("'"))) throw new Error('a workflow id with a quote in it cannot be looked up');
  const query = `WorkflowId IN (${workflowIds.map((id) => `'${id}'`).join(', ')}) AND ExecutionStatus = 'Running'`;
  for await (const run of temporal.workflow.list({ query })) open.add(run.workflowId);
  return open;
}
