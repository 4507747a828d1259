/** The one list of order states (docs/design.md), shared by the database, the API and search attributes. */
export const ORDER_STATUSES = [
  'CREATED',
  'FAILED',
  'AWAITING_PAYMENT',
  'EXPIRED',
  'CANCELLED',
  'PAID',
  'AWAITING_STOCK',
  'DELIVERED',
  'REFUNDING',
  'REFUNDED',
  'NEEDS_REVIEW',
] as const;

export type OrderStatus = (typeof ORDER_STATUSES)[number];
