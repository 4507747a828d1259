import type { Db } from '../db/client';
import { archivedOrderPlacedAt, findArchivedOrders } from '../db/archived-order';
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

const LISTED = {
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
} as const;

type ListedField = keyof typeof LISTED;

export type OrderSearchRow = Pick<Awaited<ReturnType<typeof findArchivedOrders>>[number], ListedField> & {
  /** Moved out of the hot tables after ARCHIVE_AFTER: readable, no action applies. */
  archived: boolean;
};

const pick = (order: Record<ListedField, unknown>, archived: boolean): OrderSearchRow =>
  ({ ...Object.fromEntries(Object.keys(LISTED).map((field) => [field, order[field as ListedField]])), archived }) as OrderSearchRow;

/** Newest first, ties by order number: the order pages are cut in. */
const newestFirst = (a: OrderSearchRow, b: OrderSearchRow) =>
  b.createdAt.getTime() - a.createdAt.getTime() || (a.orderNo < b.orderNo ? 1 : a.orderNo > b.orderNo ? -1 : 0);

/**
 * Staff's order lists (the admin API and the console), from the app database: search attributes
 * are eventually consistent. Hot and archived orders together, newest first, a page at a time;
 * each filter has its (field, createdAt) index in both tables.
 */
export async function searchOrders(db: Db, query: OrderSearch): Promise<{ orders: OrderSearchRow[]; nextCursor: string | null }> {
  let after: { createdAt: Date; orderNo: string } | undefined;
  if (query.cursor) {
    const createdAt =
      (await db.order.findUnique({ where: { orderNo: query.cursor }, select: { createdAt: true } }))?.createdAt ??
      (await archivedOrderPlacedAt(db, query.cursor));
    if (!createdAt) return { orders: [], nextCursor: null };
    after = { createdAt, orderNo: query.cursor };
  }
  const take = query.limit + 1;
  const [hot, archived] = await Promise.all([
    db.order.findMany({
      where: {
        ...(query.status ? { status: query.status } : {}),
        ...(query.email ? { email: query.email } : {}),
        ...(query.sku ? { sku: query.sku } : {}),
        ...(query.from || query.to ? { createdAt: { ...(query.from ? { gte: query.from } : {}), ...(query.to ? { lt: query.to } : {}) } } : {}),
        ...(after ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, orderNo: { lt: after.orderNo } }] } : {}),
      },
      orderBy: [{ createdAt: 'desc' }, { orderNo: 'desc' }],
      take,
      select: LISTED,
    }),
    findArchivedOrders(db, { ...query, after, limit: take }),
  ]);
  const rows = [...hot.map((o) => pick(o, false)), ...archived.map((o) => pick(o, true))].sort(newestFirst).slice(0, take);
  const orders = rows.slice(0, query.limit);
  return { orders, nextCursor: rows.length > query.limit ? orders[orders.length - 1].orderNo : null };
}
