// Every kind of line an order's timeline (OrderEvent.type) can hold. Writers are typed against it
// where TypeScript sees the value; the statements that write a literal in SQL are checked by
// test/unit/order-event-types.test.ts. The staff console labels each one.

export const ORDER_EVENT_TYPES = [
  'CREATED',
  'PAYMENT_REQUESTED',
  'RESTARTED',
  'FAILED',
  'PAID',
  'PAYMENT_NEEDS_REVIEW',
  'PAYMENT_UNVERIFIED',
  'KEYS_RESERVED',
  'AWAITING_STOCK',
  'DELIVERED',
  'NEEDS_REVIEW',
  'APPROVED',
  'EXPIRED',
  'CANCELLED',
  'REFUND_REQUESTED',
  'REFUNDING',
  'REFUNDED',
  'EXTRA_PAYMENT_REFUNDED',
  'RESEND_REQUESTED',
  'EMAIL_SENT',
  'EMAIL_RESENT',
  'EMAIL_REFUND_SENT',
  'EMAIL_LINK_SENT',
  'EMAIL_REJECTED',
  'EMAIL_CHANGED',
  'LINK_REQUESTED',
  'LINK_REISSUED',
  'RETURN_CODE_USED',
] as const;

export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];
