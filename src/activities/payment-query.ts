import { ApplicationFailure } from '@temporalio/common';
import type { ActivityDeps } from './deps';
import type { PaymentReport } from '../domain/payment-report';

export function createPaymentQueryActivities({ channels, clock }: ActivityDeps) {
  return {
    /** Asks the channel whether the order was paid; the answer the workflow gets when callbacks are lost. */
    async queryPayment({ orderNo, channel }: { orderNo: string; channel: string }): Promise<PaymentReport | null> {
      const adapter = channels.get(channel);
      if (!adapter) throw ApplicationFailure.nonRetryable(`channel ${channel} is not enabled`, 'ChannelDisabled');
      const trade = await adapter.queryTrade(orderNo);
      if (!trade.paid || !trade.tradeNo || trade.amountCents === undefined || !trade.currency) return null;
      return { channel, tradeNo: trade.tradeNo, amountCents: trade.amountCents, currency: trade.currency, source: 'poll', seenAt: clock().toISOString() };
    },
  };
}
