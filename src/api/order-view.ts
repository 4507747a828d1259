import type { Db } from '../db/client';
import type { Order } from '../generated/prisma/client';
import type { CardKeyCipher } from '../crypto/card-key-cipher';
import { buyerReason, buyerReasonCode, buyerTimeline, type BuyerReason } from '../domain/buyer-view';
import { loadArchivedOrderWithSku, type ArchivedSku } from '../db/archived-order';

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

/** What a buyer's view holds without the keys, and the token version that guards it: what caches and replicas may hold. */
export interface OrderSnapshot {
  view: Omit<BuyerOrderView, 'cardKeys'>;
  tokenVersion: number;
}

/** What a snapshot is made of, whether the order is hot or archived. */
interface SnapshotSource {
  order: Omit<Order, 'requestHash'>;
  sku: ArchivedSku | null;
  events: Array<{ createdAt: Date; type: string }>;
}

function snapshotOf({ order, sku, events }: SnapshotSource): OrderSnapshot {
  const view: OrderSnapshot['view'] = {
    orderNo: order.orderNo,
    status: order.status,
    reason: buyerReason(order.status, order.statusReason),
    reasonCode: buyerReasonCode(order.status, order.statusReason),
    sku: order.sku,
    skuName: sku?.name ?? order.sku,
    quantity: order.quantity,
    amountCents: order.amountCents,
    currency: order.currency,
    channel: order.channel,
    createdAt: order.createdAt.toISOString(),
    paidAt: iso(order.paidAt),
    deliveredAt: iso(order.deliveredAt),
    timeline: buyerTimeline(events),
  };
  if (order.status === 'AWAITING_PAYMENT' && order.payUrl) {
    view.payUrl = order.payUrl;
    view.expiresAt = order.expiresAt.toISOString();
  }
  if (order.status === 'DELIVERED' && sku?.deliveryInstructions) view.deliveryInstructions = sku.deliveryInstructions;
  return { view, tokenVersion: order.tokenVersion };
}

/**
 * An order as its buyer may see it, read from `db` (the primary or a replica), without its card keys;
 * one moved to the archive after ARCHIVE_AFTER as its buyer saw it when it was settled.
 */
export async function loadOrderSnapshot(db: Db, orderNo: string): Promise<OrderSnapshot | null> {
  const order = await db.order.findUnique({
    where: { orderNo },
    include: {
      skuRef: { select: { name: true, deliveryInstructions: true } },
      events: { orderBy: { id: 'asc' }, select: { createdAt: true, type: true } },
    },
  });
  if (order) return snapshotOf({ order, sku: order.skuRef, events: order.events });
  const archived = await loadArchivedOrderWithSku(db, orderNo);
  return archived && snapshotOf({ order: archived.order, sku: archived.sku, events: archived.events });
}

/**
 * What the buyer may see of their order, for a caller `authorised` lets in (it checks the access token
 * against the order's token version): never staff names or notes, and keys only once DELIVERED. The
 * snapshot may come from a cache or a replica; the keys come from the primary, and nothing keeps them.
 */
export async function loadBuyerOrderView(
  readSnapshot: (orderNo: string) => Promise<OrderSnapshot | null>,
  primary: Db,
  cipher: CardKeyCipher,
  orderNo: string,
  authorised: (tokenVersion: number) => boolean,
): Promise<BuyerOrderView | null> {
  const snapshot = await readSnapshot(orderNo);
  if (!snapshot || !authorised(snapshot.tokenVersion)) return null;
  const view: BuyerOrderView = { ...snapshot.view };
  if (view.status === 'DELIVERED') {
    const keys = await primary.cardKey.findMany({ where: { orderNo, status: 'SOLD' }, orderBy: { id: 'asc' }, select: { secret: true } });
    view.cardKeys = keys.map((k) => cipher.decrypt(k.secret));
  }
  return view;
}
