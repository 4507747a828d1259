import type { ActivityDeps } from './deps';
import type { PaymentReport } from '../domain/payment-report';
import { recordPaymentIn } from './payment';
import { issueIn, reserveIn } from './stock';

export interface DeliverPaymentRequest {
  orderNo: string;
  /** A payment the workflow found usable (channel, currency and amount match the order). */
  payment: PaymentReport;
  sku: string;
  quantity: number;
  lowStockThreshold?: number;
}

/** `remaining` as in `Reservation`; `available` when the SKU is short and only the payment was recorded. */
export type Delivery = { delivered: true; keyIds: number[]; remaining: number } | { delivered: false; available: number };

export function createDeliveryActivities({ db, clock }: ActivityDeps) {
  return {
    /**
     * The common case in one step and one transaction: record the payment, reserve the keys, sell
     * them, DELIVERED. Each step is worth ~4 ms of worker CPU as a local activity of its own
     * (docs/performance.md, "The floor"), and in one transaction nothing can come between them, so
     * there is nothing to compensate. Short of stock, the payment alone is committed (the order is
     * PAID) and the workflow goes on to wait for a restock or refund, step by step.
     * Idempotent: a re-run finds the payment recorded and the keys sold, and reports the delivery.
     */
    async deliverPayment({ orderNo, payment, sku, quantity, lowStockThreshold }: DeliverPaymentRequest): Promise<Delivery> {
      const at = clock();
      return db.$transaction(async (tx) => {
        await recordPaymentIn(tx, { orderNo, payment }, at);
        const reservation = await reserveIn(tx, { orderNo, sku, quantity, lowStockThreshold }, at);
        if (!reservation.ok) return { delivered: false, available: reservation.available };
        await issueIn(tx, { orderNo, keyIds: reservation.keyIds }, at);
        return { delivered: true, keyIds: reservation.keyIds, remaining: reservation.remaining };
      });
    },
  };
}
