import type { OrderStatus } from '../domain/order-status';
import type { PaymentReport } from '../domain/payment-report';

export type { PaymentReport } from '../domain/payment-report';

export type LatePaymentPolicy = 'fulfil' | 'refund';

/** Staff or buyer action carried by an Update (or a follow-up workflow on a closed order). */
export interface ActionRequest {
  actor: string;
  note?: string;
}

export type SupportAction = 'approve' | 'refund' | 'resend';

/**
 * Where a workflow run begins. A fresh order awaits payment; follow-up runs on a closed order
 * (id `order-<orderNo>-…`) start from a late payment or a support action.
 */
export type OrderStart =
  | { kind: 'new' }
  | { kind: 'late-payment'; payment: PaymentReport }
  | { kind: 'support'; action: SupportAction; request: ActionRequest }
  /** Reconciliation: an order awaiting payment whose workflow vanished; waits out the deadline again. */
  | { kind: 'new-recovery' }
  /** Reconciliation: a paid order with no live workflow; picks up from the state the database has. */
  | { kind: 'recover' };

/** Everything the order workflow needs to decide, fixed when the order is placed. No secrets, no PII. */
export interface OrderWorkflowInput {
  orderNo: string;
  sku: string;
  skuName: string;
  quantity: number;
  amountCents: number;
  currency: string;
  channel: string;
  /** Durations and policies from configuration, captured when the run starts. */
  paymentDeadlineMs: number;
  paymentPollIntervalMs: number;
  latePaymentPolicy: LatePaymentPolicy;
  restockWaitMs: number;
  /** Tell the operator when a sale leaves fewer keys than this. */
  lowStockThreshold?: number;
  /**
   * Whether the shop has an operator webhook. When false, no notice runs are started (each would
   * only find nothing to call); runs started before this field existed always start them.
   */
  operatorWebhook?: boolean;
  start?: OrderStart;
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
