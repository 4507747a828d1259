import type { Db } from '../db/client';
import type { CardKeyCipher } from '../crypto/card-key-cipher';
import { buyerReason, buyerReasonCode, buyerTimeline, type BuyerReason } from '../domain/buyer-view';

export interface BuyerOrderView {
  orderNo: string;
  status: string;
  reason: string | null;
  /** The reason as a code, for pages that say it in the buyer's language. */
  reasonCode: BuyerReason | null;
  sku: string;
  skuName: string;
  quantity: number;
  amountCents: number;
  currency: string;
  channel: string;
  payUrl?: string;
  expiresAt?: string;
  cardKeys?: string[];
  /** How to use the keys (the SKU's delivery instructions), beside them once delivered. */
  deliveryInstructions?: string;
  createdAt: string;
  paidAt: string | null;
  deliveredAt: string | null;
  timeline: Array<{ at: string; type: string; message: string }>;
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/**
 * What the buyer may see of their order, for a caller `authorised` lets in (it checks the access token
 * against the order's token version): never staff names or notes, and keys only once DELIVERED.
 */
export async function loadBuyerOrderView(
  db: Db,
  cipher: CardKeyCipher,
  orderNo: string,
  authorised: (tokenVersion: number) => boolean,
): Promise<BuyerOrderView | null> {
  const order = await db.order.findUnique({
    where: { orderNo },
    include: {
      skuRef: { select: { name: true, deliveryInstructions: true } },
      events: { orderBy: { id: 'asc' }, select: { createdAt: true, type: true } },
    },
  });
  if (!order || !authorised(order.tokenVersion)) return null;
  const view: BuyerOrderView = {
    orderNo: order.orderNo,
    status: order.status,
    reason: buyerReason(order.status, order.statusReason),
    reasonCode: buyerReasonCode(order.status, order.statusReason),
    sku: order.sku,
    skuName: order.skuRef.name,
    quantity: order.quantity,
    amountCents: order.amountCents,
    currency: order.currency,
    channel: order.channel,
    createdAt: order.createdAt.toISOString(),
    paidAt: iso(order.paidAt),
    deliveredAt: iso(order.deliveredAt),
    timeline: buyerTimeline(order.events),
  };
  if (order.status === 'AWAITING_PAYMENT' && order.payUrl) {
    view.payUrl = order.payUrl;
    view.expiresAt = order.expiresAt.toISOString();
  }
  if (order.status === 'DELIVERED') {
    const keys = await db.cardKey.findMany({ where: { orderNo, status: 'SOLD' }, orderBy: { id: 'asc' }, select: { secret: true } });
    view.cardKeys = keys.map((k) => cipher.decrypt(k.secret));
    if (order.skuRef.deliveryInstructions) view.deliveryInstructions = order.skuRef.deliveryInstructions;
  }
  return view;
}
