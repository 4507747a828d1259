import type { OrderStatus } from './order-status';

// What a buyer may read about their order: never a staff member's name, a note staff wrote, or an
// internal error. Statuses and timeline events are told in words of the shop's own, not the reason
// stored for staff.

/** Why the order is where it is, as the buyer should read it (null: nothing to add). */
export function buyerReason(status: OrderStatus | string, reason: string | null): string | null {
  switch (status) {
    case 'REFUNDED':
    case 'REFUNDING':
      if (reason?.startsWith('out of stock')) return 'the item sold out before it could be delivered';
      if (reason?.startsWith('late payment')) return 'the payment arrived after the order had closed';
      if (reason?.startsWith('keys could not be issued')) return 'the item could not be delivered';
      return 'the shop refunded the order';
    case 'NEEDS_REVIEW':
      return 'the shop is checking this order; you will hear from it';
    case 'AWAITING_STOCK':
      return 'paid; waiting for new stock, or a refund';
    case 'EXPIRED':
      return 'not paid in time';
    case 'CANCELLED':
      return 'cancelled';
    case 'FAILED':
      return 'the order could not be started; no payment was taken';
    default:
      return null;
  }
}

/** Timeline events the buyer sees, and the words for them; every other event is for staff only. */
const BUYER_EVENTS: Record<string, string> = {
  CREATED: 'order placed',
  PAYMENT_REQUESTED: 'waiting for payment',
  PAID: 'payment received',
  AWAITING_STOCK: 'waiting for stock',
  DELIVERED: 'delivered',
  EMAIL_SENT: 'delivery email sent',
  EXPIRED: 'not paid in time',
  CANCELLED: 'cancelled',
  REFUNDING: 'refund requested',
  REFUNDED: 'refunded',
  EMAIL_REFUND_SENT: 'refund email sent',
  NEEDS_REVIEW: 'being checked by the shop',
  PAYMENT_NEEDS_REVIEW: 'being checked by the shop',
};

export function buyerTimeline(events: Array<{ createdAt: Date; type: string }>): Array<{ at: string; type: string; message: string }> {
  return events.filter((e) => e.type in BUYER_EVENTS).map((e) => ({ at: e.createdAt.toISOString(), type: e.type, message: BUYER_EVENTS[e.type] }));
}
