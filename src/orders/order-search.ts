import type { Db } from '../db/client';
import type { OrderStatus } from '../domain/order-status';

export interface OrderSearch {
  status?: OrderStatus;
  email?: string;
  sku?: string;
  from?: Date;
  to?: Date;
  limit: number;
  /** The last order number of the page before. */
  cursor?: string;
}

/**
 * Staff's order lists (the admin API and the console), from the app database: search attributes
 * are eventually consistent. Newest first, a page at a time; each filter has its (field, createdAt) index.
 */
export async function searchOrders(db: Db, query: OrderSearch) {
  const rows = await db.order.findMany({
    where: {
      ...(query.status ? { status: query.status } : {}),
      ...(query.email ? { email: query.email } : {}),
      ...(query.sku ? { sku: query.sku } : {}),
      ...(query.from || query.to ? { createdAt: { ...(query.from ? { gte: query.from } : {}), ...(query.to ? { lt: query.to } : {}) } } : {}),
    },
    orderBy: [{ createdAt: 'desc' }, { orderNo: 'desc' }],
    take: query.limit + 1,
    ...(query.cursor ? { cursor: { orderNo: query.cursor }, skip: 1 } : {}),
    select: {
      orderNo: true,
      sku: true,
      quantity: true,
      amountCents: true,
      currency: true,
      email: true,
      channel: true,
      status: true,
      statusReason: true,
      createdAt: true,
      paidAt: true,
      deliveredAt: true,
      workflowId: true,
    },
  });
  const orders = rows.slice(0, query.limit);
  return { orders, nextCursor: rows.length > query.limit ? orders[orders.length - 1].orderNo : null };
}

export type OrderSearchRow = Awaited<ReturnType<typeof searchOrders>>['orders'][number];
