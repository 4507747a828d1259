import { ApplicationFailure } from '@temporalio/common';
import type { ActivityDeps } from './deps';
import type { PaymentReport } from '../domain/payment-report';
import { transitionOrder } from '../db/order-transition';
import { OrderNotFoundError } from '../db/errors';
import { ChannelRequestError } from '../payments/channel';

/** What closing the trade found: closed (or nothing to close), or paid just now. */
export type Closing = { closed: true } | { paid: PaymentReport };

export function createClosingActivities({ db, channels, clock }: ActivityDeps) {
  return {
    /**
     * Closes the order's trade at the channel so nobody can pay it any more. A channel refuses to
     * close a trade the buyer has just paid (Alipay ACQ.TRADE_STATUS_ERROR, WeChat Pay ORDERPAID,
     * Stripe's session no longer open): then the channel is asked, and a paid trade comes back to be
     * settled like any payment. Any other definite refusal is non-retryable (CloseRefused); a channel
     * that cannot be reached is retried, boundedly.
     */
    async closeTrade({ orderNo }: { orderNo: string }): Promise<Closing> {
      const order = await db.order.findUnique({ where: { orderNo }, select: { channel: true, channelRef: true } });
      if (!order) throw new OrderNotFoundError(orderNo);
      const adapter = channels.get(order.channel);
      if (!adapter) return { closed: true };
      try {
        await adapter.closeTrade(orderNo, order.channelRef ?? undefined);
        return { closed: true };
      } catch (error) {
        if (!(error instanceof ChannelRequestError) || error.retryable) throw error;
        const trade = await adapter.queryTrade(orderNo);
        if (trade.paid && trade.tradeNo && trade.amountCents !== undefined && trade.currency) {
          return {
            paid: {
              channel: order.channel,
              tradeNo: trade.tradeNo,
              amountCents: trade.amountCents,
              currency: trade.currency,
              source: 'poll',
              seenAt: clock().toISOString(),
            },
          };
        }
        throw ApplicationFailure.nonRetryable(error.message, 'CloseRefused');
      }
    },

    /** The unpaid order's end: EXPIRED at the deadline, CANCELLED by the buyer or staff. */
    async markClosed({ orderNo, as, actor, note }: { orderNo: string; as: 'EXPIRED' | 'CANCELLED'; actor: string; note?: string }): Promise<void> {
      await transitionOrder(db, {
        orderNo,
        to: as,
        from: ['CREATED', 'AWAITING_PAYMENT'],
        actor,
        type: as,
        message: as === 'EXPIRED' ? 'payment deadline passed' : (note ?? 'cancelled'),
        stamp: 'closedAt',
        at: clock(),
      });
    },
  };
}
