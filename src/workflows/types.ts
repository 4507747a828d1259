import type { OrderStatus } from '../domain/order-status';

/** Everything the order workflow needs to decide, fixed when the order is placed. No secrets, no PII. */
export interface OrderWorkflowInput {
  orderNo: string;
  sku: string;
  skuName: string;
  quantity: number;
  amountCents: number;
  currency: string;
  channel: string;
  /** Durations from configuration, captured at order time so a running order keeps its terms. */
  paymentDeadlineMs: number;
  paymentPollIntervalMs: number;
}

/** A payment the channel confirmed (verified callback, poll or reconciliation). */
export interface PaymentReport {
  channel: string;
  tradeNo: string;
  amountCents: number;
  currency: string;
  source: 'callback' | 'poll' | 'reconciliation';
  /** Inbox row that carried it, when it came from a callback. */
  notificationId?: number;
}

export interface TimelineEntry {
  at: string;
  status: OrderStatus;
  note?: string;
}

export interface OrderView {
  orderNo: string;
  status: OrderStatus;
  reason?: string;
  timeline: TimelineEntry[];
}

export interface OrderResult {
  status: OrderStatus;
  reason?: string;
}
