import { ApplicationFailure } from '@temporalio/common';
import type { ActivityDeps } from './deps';
import type { OrderEventType } from '../domain/order-event-type';
import { transitionOrder } from '../db/order-transition';
import { ChannelRequestError } from '../payments/channel';
import { metrics } from '../observability/metrics';

export const REFUND_REFUSED = 'RefundRefused';

export interface RefundOrderInput {
  orderNo: string;
  reason: string;
  actor: string;
}

/** Every state a paid order can be refunded from. */
const REFUNDABLE = ['PAID', 'AWAITING_STOCK', 'NEEDS_REVIEW', 'DELIVERED', 'EXPIRED', 'CANCELLED', 'REFUNDING'] as const;

export function createRefundActivities({ db, channels, clock }: ActivityDeps) {
  return {
    /**
     * Gives the buyer their money back through the channel, at most once per payment: the refund
     * row's idempotency key is derived from the order and trade and reused on every retry.
     * Keys the order held are released (never delivered) or voided (delivered).
     * A definite refusal throws a non-retryable RefundRefused; transient failures are retried.
     */
    async refundOrder({ orderNo, reason, actor }: RefundOrderInput): Promise<{ refundNo?: string }> {
      // The payment that settled the order, never just the newest one: after a buyer paid twice, the
      // second payment is given back on its own (refundExtraPayment) and must not be refunded again.
      const order = await db.order.findUniqueOrThrow({ where: { orderNo }, include: { payments: { where: { settles: true } } } });
      if (order.status === 'REFUNDED') return {};
      const payment = order.payments[0];
      if (!payment) throw ApplicationFailure.nonRetryable(`order ${orderNo} has no payment to refund`, 'NothingToRefund');
      const channel = channels.get(payment.channel);
      if (!channel) throw ApplicationFailure.nonRetryable(`channel ${payment.channel} is not enabled`, 'ChannelDisabled');
      const idempotencyKey = `refund-${orderNo}-${payment.tradeNo}`;

      await db.$transaction(async (tx) => {
        await transitionOrder(tx, { orderNo, to: 'REFUNDING', from: REFUNDABLE, actor, type: 'REFUNDING', reason, at: clock() });
        await tx.refund.upsert({
          where: { idempotencyKey },
          create: { orderNo, idempotencyKey, amountCents: payment.amountCents, reason },
          update: { status: 'REQUESTED' },
        });
      });

      let result;
      try {
        result = await channel.refund({
          orderNo,
          tradeNo: payment.tradeNo,
          amountCents: payment.amountCents,
          currency: payment.currency,
          reason,
          idempotencyKey,
        });
      } catch (error) {
        if (error instanceof ChannelRequestError && !error.retryable) {
          result = { outcome: 'refused' as const, reason: error.message };
        } else {
          throw error;
        }
      }
      metrics.refunds.inc({ channel: payment.channel, outcome: result.outcome });
      if (result.outcome === 'refused') {
        await db.refund.update({ where: { idempotencyKey }, data: { status: 'REFUSED' } });
        throw ApplicationFailure.nonRetryable(result.reason, REFUND_REFUSED);
      }

      const at = clock();
      await db.$transaction(async (tx) => {
        await tx.refund.update({ where: { idempotencyKey }, data: { status: 'SUCCEEDED', channelRefundNo: result.refundNo } });
        await tx.cardKey.updateMany({ where: { orderNo, status: 'RESERVED' }, data: { status: 'AVAILABLE', orderNo: null, reservedAt: null } });
        await tx.cardKey.updateMany({ where: { orderNo, status: 'SOLD' }, data: { status: 'VOID', voidedAt: at } });
        await transitionOrder(tx, {
          orderNo,
          to: 'REFUNDED',
          from: ['REFUNDING'],
          actor,
          type: 'REFUNDED',
          message: `${payment.amountCents} refunded via ${payment.channel}: ${reason}`,
          reason,
          at,
        });
      });
      return { refundNo: result.refundNo };
    },
  };
}

export function createExtraPaymentActivities({ db, channels, clock }: ActivityDeps) {
  return {
    /**
     * Gives back a second payment for an order that is already paid, without touching the order's
     * state: the payment is recorded, refunded once (idempotency key per trade), and put on the timeline.
     */
    async refundExtraPayment({
      orderNo,
      payment,
    }: {
      orderNo: string;
      payment: { channel: string; tradeNo: string; amountCents: number; currency: string };
    }): Promise<void> {
      const channel = channels.get(payment.channel);
      if (!channel) throw ApplicationFailure.nonRetryable(`channel ${payment.channel} is not enabled`, 'ChannelDisabled');
      const idempotencyKey = `refund-${orderNo}-${payment.tradeNo}`;
      const reason = `paid twice: ${payment.channel} trade ${payment.tradeNo} refunded`;
      await db.$transaction([
        db.payment.upsert({
          where: { channel_tradeNo: { channel: payment.channel, tradeNo: payment.tradeNo } },
          create: { orderNo, channel: payment.channel, tradeNo: payment.tradeNo, amountCents: payment.amountCents, currency: payment.currency },
          update: {},
        }),
        db.refund.upsert({ where: { idempotencyKey }, create: { orderNo, idempotencyKey, amountCents: payment.amountCents, reason }, update: {} }),
      ]);
      const existing = await db.refund.findUniqueOrThrow({ where: { idempotencyKey } });
      if (existing.status === 'SUCCEEDED') return;
      const result = await channel.refund({
        orderNo,
        tradeNo: payment.tradeNo,
        amountCents: payment.amountCents,
        currency: payment.currency,
        reason,
        idempotencyKey,
      });
      metrics.refunds.inc({ channel: payment.channel, outcome: result.outcome });
      if (result.outcome === 'refused') {
        await db.refund.update({ where: { idempotencyKey }, data: { status: 'REFUSED' } });
        throw ApplicationFailure.nonRetryable(result.reason, REFUND_REFUSED);
      }
      await db.$transaction([
        db.refund.update({ where: { idempotencyKey }, data: { status: 'SUCCEEDED', channelRefundNo: result.refundNo } }),
        db.orderEvent.create({
          data: { orderNo, type: 'EXTRA_PAYMENT_REFUNDED' satisfies OrderEventType, actor: 'system', message: reason, createdAt: clock() },
        }),
      ]);
    },
  };
}
