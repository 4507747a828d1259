import type { OrderStatus } from './order-status';
import type { Locale } from './locale';
import type { OrderEventType } from './order-event-type';

// What a buyer may read about their order: never a staff member's name, a note staff wrote, or an
// internal error. Statuses and timeline events are told in words of the shop's own, not the reason
// stored for staff.

export const BUYER_REASONS = ['sold-out', 'late-payment', 'undeliverable', 'refunded', 'review', 'awaiting-stock', 'expired', 'cancelled', 'failed'] as const;
export type BuyerReason = (typeof BUYER_REASONS)[number];

/** Why the order is where it is, as a code a page can put in the buyer's language (null: nothing to add). */
export function buyerReasonCode(status: OrderStatus | string, reason: string | null): BuyerReason | null {
  switch (status) {
    case 'REFUNDED':
    case 'REFUNDING':
      if (reason?.startsWith('out of stock')) return 'sold-out';
      if (reason?.startsWith('late payment')) return 'late-payment';
      if (reason?.startsWith('keys could not be issued')) return 'undeliverable';
      return 'refunded';
    case 'NEEDS_REVIEW':
      return 'review';
    case 'AWAITING_STOCK':
      return 'awaiting-stock';
    case 'EXPIRED':
      return 'expired';
    case 'CANCELLED':
      return 'cancelled';
    case 'FAILED':
      return 'failed';
    default:
      return null;
  }
}

const REASON_TEXT: Record<Locale, Record<BuyerReason, string>> = {
  en: {
    'sold-out': 'the item sold out before it could be delivered',
    'late-payment': 'the payment arrived after the order had closed',
    undeliverable: 'the item could not be delivered',
    refunded: 'the shop refunded the order',
    review: 'the shop is checking this order; you will hear from it',
    'awaiting-stock': 'paid; waiting for new stock, or a refund',
    expired: 'not paid in time',
    cancelled: 'cancelled',
    failed: 'the order could not be started; no payment was taken',
  },
  'zh-CN': {
    'sold-out': '商品在发货前售罄',
    'late-payment': '付款到账时订单已关闭',
    undeliverable: '商品无法发货',
    refunded: '商店已退款',
    review: '商店正在核查这个订单，会与你联系',
    'awaiting-stock': '已付款，等待补货或退款',
    expired: '未在时限内付款',
    cancelled: '已取消',
    failed: '订单未能创建，没有扣款',
  },
};

export const buyerReasonText = (code: BuyerReason, locale: Locale) => REASON_TEXT[locale][code];

/** Why the order is where it is, in the buyer's words (the API's are English). */
export function buyerReason(status: OrderStatus | string, reason: string | null, locale: Locale = 'en'): string | null {
  const code = buyerReasonCode(status, reason);
  return code && buyerReasonText(code, locale);
}

/** Timeline events the buyer sees, and the words for them; every other event is for staff only. */
const BUYER_EVENTS: Partial<Record<OrderEventType, string>> = {
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
  EMAIL_REJECTED: 'email not delivered: the mail server refused the address',
  EMAIL_CHANGED: 'email address updated by the shop',
  NEEDS_REVIEW: 'being checked by the shop',
  PAYMENT_NEEDS_REVIEW: 'being checked by the shop',
};

export function buyerTimeline(events: Array<{ createdAt: Date; type: string }>): Array<{ at: string; type: string; message: string }> {
  return events
    .filter((e) => e.type in BUYER_EVENTS)
    .map((e) => ({ at: e.createdAt.toISOString(), type: e.type, message: BUYER_EVENTS[e.type as OrderEventType]! }));
}
