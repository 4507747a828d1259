import { createHmac } from 'node:crypto';
import type { ActivityDeps } from './deps';

export type OperatorEvent = 'order.needs_review' | 'order.refunded' | 'stock.low' | 'payment.unverified' | 'channel.state';

export interface OperatorNotice {
  event: OperatorEvent;
  orderNo?: string;
  sku?: string;
  /** channel.state: the instance, and the state it moved to. */
  channel?: string;
  state?: string;
  detail: string;
}

/** `X-Keyflow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, Stripe-style. */
export function signOperatorPayload(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function createOperatorWebhookActivities({ config, clock }: ActivityDeps) {
  return {
    /** Posts a signed notice to OPERATOR_WEBHOOK_URL; throws on failure so Temporal retries it. */
    async notifyOperator(notice: OperatorNotice): Promise<'sent' | 'not-configured'> {
      const webhook = config.operatorWebhook;
      if (!webhook) return 'not-configured';
      const body = JSON.stringify({ ...notice, at: clock().toISOString() });
      const timestamp = Math.floor(clock().getTime() / 1000);
      const response = await fetch(webhook.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Keyflow-Signature': signOperatorPayload(webhook.secret, timestamp, body) },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) throw new Error(`operator webhook answered HTTP ${response.status}`);
      return 'sent';
    },
  };
}
