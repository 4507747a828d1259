import type { OrderStatus } from '../domain/order-status';
import type { PaymentReport } from '../domain/payment-report';
import type { DegradeLevel } from '../degrade/degrade-levels';

export type { PaymentProof, PaymentReport } from '../domain/payment-report';

export type LatePaymentPolicy = 'fulfil' | 'refund';

/** Staff or buyer action carried by an Update (or a support run on a closed order). */
export interface ActionRequest {
  actor: string;
  note?: string;
  /** Resend only: the address to send to instead of the order's own (the buyer mistyped it). */
  to?: string;
}

export type SupportAction = 'approve' | 'refund' | 'resend';

/** What the order is, fixed when it was placed. No secrets, no buyer data. */
export interface OrderFacts {
  orderNo: string;
  sku: string;
  skuName: string;
  quantity: number;
  amountCents: number;
  currency: string;
  channel: string;
}

/** Durations and policies from configuration, captured when a run starts. */
export interface OrderPolicy {
  /** From the run's start to the order's payment deadline. */
  paymentDeadlineMs: number;
  /** Between two looks at the channel while unpaid; 0 turns polling off. */
  paymentPollIntervalMs: number;
  latePaymentPolicy: LatePaymentPolicy;
  /** How long a paid order short of keys waits for an import before it is refunded. */
  restockWaitMs: number;
  /** A sale leaving fewer keys than this tells the operator. */
  lowStockThreshold: number;
  /** Whether the shop has an operator webhook (no notice runs are started without one). */
  operatorWebhook: boolean;
  /** NEEDS_REVIEW: remind the operator this often… */
  reviewReminderMs: number;
  /** …and stop waiting after this long (staff then act through support runs). */
  reviewWaitMs: number;
  /** The degrade level the order was placed at: which optional work it leaves out (absent: normal). */
  degrade?: DegradeLevel;
}

/** Every order run starts from the order and the policy. */
export interface OrderRunInput {
  order: OrderFacts;
  policy: OrderPolicy;
}

/** A payment that reached an order whose own run had closed. */
export interface LatePaymentInput extends OrderRunInput {
  payment: PaymentReport;
}

/** A staff action on an order whose own run had closed. */
export interface SupportActionInput extends OrderRunInput {
  action: SupportAction;
  request: ActionRequest;
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
