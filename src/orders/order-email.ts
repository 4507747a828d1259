import type { OrderRunDeps } from './order-runs';
import { ActionError } from './support-actions';
import { isUniqueViolation } from '../db/errors';

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
}

/**
 * Staff correct the buyer's address (a typo found when the mail server refused it): every later
 * email, the order-link lookup and a delivery email still owed use the new one. The timeline keeps
 * both addresses and who changed them. A refusal of the old address no longer counts against the
 * order (src/db/delivery-email-owed.ts looks only at refusals after the last change). Archived orders are
 * read-only.
 */
export async function changeOrderEmail(
  deps: Pick<OrderRunDeps, 'db' | 'clock'>,
  orderNo: string,
  email: string,
  staff: string,
  note?: string,
): Promise<EmailChange> {
  const now = deps.clock();
  try {
    return await deps.db.$transaction(async (tx) => {
      const [order] = await tx.$queryRaw<Array<{ email: string; status: string; emailedAt: Date | null }>>`
        SELECT "email", "status", "emailedAt" FROM "Order" WHERE "orderNo" = ${orderNo} FOR UPDATE`;
      if (!order) {
        const archived = await tx.orderArchive.count({ where: { orderNo } });
        throw new ActionError(archived ? 'rejected' : 'not-found', archived ? 'an archived order is read-only' : `order ${orderNo} does not exist`);
      }
      const deliveryEmailOwed = order.status === 'DELIVERED' && order.emailedAt === null;
      if (order.email === email) return { orderNo, email, changed: false, deliveryEmailOwed };
      await tx.order.update({ where: { orderNo }, data: { email, updatedAt: now } });
      const message = `buyer's email changed from ${order.email} to ${email}${note ? `: ${note}` : ''}`;
      await tx.orderEvent.create({ data: { orderNo, type: 'EMAIL_CHANGED', actor: staff, message, createdAt: now } });
      return { orderNo, email, changed: true, deliveryEmailOwed };
    });
  } catch (error) {
    // Orders are unique per (email, idempotencyKey): the new address placed one with the same key.
    if (isUniqueViolation(error)) throw new ActionError('rejected', 'that address already has an order placed with the same idempotency key');
    throw error;
  }
}
