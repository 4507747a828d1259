import type { ActivityDeps } from './deps';
import type { PaymentReport } from '../workflows/types';
import { transitionOrder } from '../db/order-transition';

export interface RecordPaymentInput {
  orderNo: string;
  payment: PaymentReport;
  /** Set when the workflow found the payment unusable (e.g. wrong amount): it is kept, never delivered. */
  reviewReason?: string;
}

export function createPaymentActivities({ db, clock }: ActivityDeps) {
  return {
    /** Stores the payment (once per channel trade) and moves the order to PAID or NEEDS_REVIEW. */
    async recordPayment({ orderNo, payment, reviewReason }: RecordPaymentInput): Promise<void> {
      const at = clock();
      await db.$transaction(async (tx) => {
        await tx.payment.upsert({
          where: { channel_tradeNo: { channel: payment.channel, tradeNo: payment.tradeNo } },
          create: { orderNo, channel: payment.channel, tradeNo: payment.tradeNo, amountCents: payment.amountCents, currency: payment.currency, paidAt: at },
          update: {},
        });
        await transitionOrder(tx, {
          orderNo,
          to: reviewReason ? 'NEEDS_REVIEW' : 'PAID',
          from: ['CREATED', 'AWAITING_PAYMENT', 'EXPIRED', 'CANCELLED'],
          actor: 'system',
          type: reviewReason ? 'PAYMENT_NEEDS_REVIEW' : 'PAID',
          message: `${payment.channel} trade ${payment.tradeNo} (${payment.source})`,
          reason: reviewReason,
          data: { paidAt: at },
          at,
        });
      });
    },

    async expireOrder({ orderNo }: { orderNo: string }): Promise<void> {
      const at = clock();
      await db.$transaction((tx) =>
        transitionOrder(tx, {
          orderNo,
          to: 'EXPIRED',
          from: ['CREATED', 'AWAITING_PAYMENT'],
          actor: 'system',
          type: 'EXPIRED',
          message: 'payment deadline passed',
          data: { closedAt: at },
          at,
        }),
      );
    },

    async markNeedsReview({ orderNo, reason }: { orderNo: string; reason: string }): Promise<void> {
      const at = clock();
      await db.$transaction((tx) =>
        transitionOrder(tx, {
          orderNo,
          to: 'NEEDS_REVIEW',
          from: ['PAID', 'AWAITING_STOCK'],
          actor: 'system',
          type: 'NEEDS_REVIEW',
          reason,
          at,
        }),
      );
    },
  };
}
