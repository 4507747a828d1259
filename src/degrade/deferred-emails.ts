import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../db/client';
import type { Config } from '../config';
import type { Logger } from '../logging';
import { IntervalLoop } from '../interval-loop';
import { startDeferredDeliveryEmails } from '../orders/order-runs';
import { orderWorkflowId } from '../workflows/workflow-ids';
import { defersDeliveryEmail } from './degrade-levels';
import { readDegradeSwitch } from './degrade-switch';

/** Emails handed to a batch per step: after a peak they go out over a few minutes, not all at once. */
const BATCH = 200;
/** A delivery this recent may still have its own run's email in flight. */
const SETTLE_MS = 30_000;
/** Orders older than this are not looked at (an email that old is for staff to resend). */
const HORIZON_MS = 7 * 24 * 3_600_000;

/**
 * Sends the delivery emails that runs at degrade level essential left out, once the switch is lean
 * or normal again: the DELIVERED orders without `emailedAt` whose own runs have closed go to one
 * batch run (deferredDeliveryEmailsWorkflow; the activity sends each at most once). A run still open
 * (its email retrying through a mail outage) is left to finish; an email the batch could not send
 * comes back in a later step, for as long as it stays unsent.
 */
export class DeferredEmailSender {
  private readonly loop: IntervalLoop;

  constructor(private readonly deps: { db: Db; temporal: Client; config: Config; clock: () => Date; logger: Logger; intervalMs: number }) {
    this.loop = new IntervalLoop(() => this.step(), deps.intervalMs, deps.logger, 'deferred email step');
  }

  /** How many emails this step handed to a batch (0 while the level still defers them, or while a batch still runs). */
  async step(): Promise<number> {
    const { db, temporal, clock } = this.deps;
    if (defersDeliveryEmail((await readDegradeSwitch(db)).level)) return 0;
    const now = clock().getTime();
    const due = await db.$queryRaw<Array<{ orderNo: string }>>`
      SELECT "orderNo" FROM "Order"
      WHERE "status" = 'DELIVERED' AND "emailedAt" IS NULL
        AND "deliveredAt" < ${new Date(now - SETTLE_MS)} AND "deliveredAt" > ${new Date(now - HORIZON_MS)}
      ORDER BY "deliveredAt" LIMIT ${BATCH}`;
    const orderNos: string[] = [];
    for (const { orderNo } of due) if (!(await runIsOpen(temporal, orderNo))) orderNos.push(orderNo);
    if (orderNos.length === 0 || !(await startDeferredDeliveryEmails(this.deps, orderNos))) return 0;
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

async function runIsOpen(temporal: Client, orderNo: string): Promise<boolean> {
  try {
    const { status } = await temporal.workflow.getHandle(orderWorkflowId(orderNo)).describe();
    return status.name === 'RUNNING';
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}
