import { WorkflowNotFoundError } from '@temporalio/client';
import type { OrderRunDeps } from './order-runs';
import { normaliseEmail } from './order-runs';
import { ActionError } from './support-actions';
import { isUniqueViolation } from '../db/errors';
import { firstLine, rootCauseMessage } from '../error-text';
import { buyerEmailChangedSignal } from '../workflows/order-messages';
import { orderWorkflowId } from '../workflows/workflow-ids';

export interface EmailChange {
  orderNo: string;
  email: string;
  /** False when the order already had this address (nothing was written). */
  changed: boolean;
  /**
   * The order is delivered and its delivery email was never sent (its old address was refused, or
   * mail was down): the worker's deferred-email sender sends it to the new address shortly.
   */
  deliveryEmailOwed: boolean;
  /** The order's run is still open and was told, so the Web UI finds it by the new address too. */
  runTold: boolean;
}

/**
 * Staff correct the buyer's address (a typo found when the mail server refused it): every later
 * email, the order-link lookup and a delivery email still owed use the new one. The timeline keeps
 * both addresses and who changed them. A refusal of the old address no longer counts against the
 * order (src/db/delivery-email-owed.ts looks only at refusals after the last change). Archived
 * orders are read-only.
 */
export async function changeOrderEmail(
  deps: Pick<OrderRunDeps, 'db' | 'clock' | 'temporal'>,
  orderNo: string,
  email: string,
  staff: string,
  note?: string,
): Promise<EmailChange> {
  const now = deps.clock();
  let change: Omit<EmailChange, 'runTold'> & { workflowId: string };
  try {
    change = await deps.db.$transaction(async (tx) => {
      const [order] = await tx.$queryRaw<Array<{ email: string; status: string; emailedAt: Date | null; workflowId: string | null }>>`
        SELECT "email", "status", "emailedAt", "workflowId" FROM "Order" WHERE "orderNo" = ${orderNo} FOR UPDATE`;
      if (!order) {
        const archived = await tx.orderArchive.count({ where: { orderNo } });
        throw new ActionError(archived ? 'rejected' : 'not-found', archived ? 'an archived order is read-only' : `order ${orderNo} does not exist`);
      }
      const facts = { orderNo, email, workflowId: order.workflowId ?? orderWorkflowId(orderNo) };
      const deliveryEmailOwed = order.status === 'DELIVERED' && order.emailedAt === null;
      if (order.email === email) return { ...facts, changed: false, deliveryEmailOwed };
      await tx.order.update({ where: { orderNo }, data: { email, updatedAt: now } });
      const message = `buyer's email changed from ${order.email} to ${email}${note ? `: ${note}` : ''}`;
      await tx.orderEvent.create({ data: { orderNo, type: 'EMAIL_CHANGED', actor: staff, message, createdAt: now } });
      return { ...facts, changed: true, deliveryEmailOwed };
    });
  } catch (error) {
    // Orders are unique per (email, idempotencyKey): the new address placed one with the same key.
    if (isUniqueViolation(error)) throw new ActionError('rejected', 'that address already has an order placed with the same idempotency key');
    throw error;
  }
  const { workflowId, ...answer } = change;
  return { ...answer, runTold: change.changed && (await tellRun(deps, workflowId, email)) };
}

/** Whether the order's run took the new address; a closed run keeps the old one in its search attributes. */
async function tellRun(deps: Pick<OrderRunDeps, 'temporal'>, workflowId: string, email: string): Promise<boolean> {
  try {
    await deps.temporal.workflow.getHandle(workflowId).signal(buyerEmailChangedSignal, { email: normaliseEmail(email) });
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw new ActionError('unavailable', `the address is changed, but the order's run could not be told (${firstLine(rootCauseMessage(error))})`);
  }
}
