import { Prisma, type Order, type OrderEvent, type OrderStatus, type Payment, type PaymentNotification, type Refund } from '../generated/prisma/client';
import type { Db } from './client';

/** Only settled orders move to the archive: nothing will act on them again but a person reading. */
export const ARCHIVED_STATUSES: readonly OrderStatus[] = ['DELIVERED', 'REFUNDED', 'EXPIRED', 'CANCELLED', 'FAILED'];

/** A row as `to_jsonb` writes it: every timestamp (each column named `…At`) a string, UTC without a zone. */
type Stamped<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };

/** The archive's JSON record of one order: its rows as they were (the request hash left out). */
interface ArchivedRecord {
  order: Stamped<Omit<Order, 'requestHash'>>;
  events: Array<Stamped<OrderEvent>>;
  payments: Array<Stamped<Payment>>;
  refunds: Array<Stamped<Refund>>;
  notifications: Array<Stamped<PaymentNotification>>;
}

export interface ArchivedOrder {
  archivedAt: Date;
  order: Omit<Order, 'requestHash'>;
  events: OrderEvent[];
  payments: Payment[];
  refunds: Refund[];
  notifications: PaymentNotification[];
}

/** A `timestamp(3)` value from the archive's JSON as the instant it is (stored in UTC). */
function archivedTime(stamp: string): Date {
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(stamp) ? stamp : `${stamp}Z`);
}

/** The row with every `…At` field that holds a timestamp as a Date. */
function timed<T extends object>(row: Stamped<T>): T {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, k.endsWith('At') && typeof v === 'string' ? archivedTime(v) : v])) as T;
}

/** An order moved out of the hot tables after ARCHIVE_AFTER, as it was when it was archived; null when there is none. */
export async function loadArchivedOrder(db: Db, orderNo: string): Promise<ArchivedOrder | null> {
  const row = await db.orderArchive.findUnique({ where: { orderNo } });
  if (!row) return null;
  const record = row.record as unknown as ArchivedRecord;
  return {
    archivedAt: row.archivedAt,
    order: timed<Omit<Order, 'requestHash'>>(record.order),
    events: record.events.map((e) => timed<OrderEvent>(e)),
    payments: record.payments.map((p) => timed<Payment>(p)),
    refunds: record.refunds.map((r) => timed<Refund>(r)),
    notifications: record.notifications.map((n) => timed<PaymentNotification>(n)),
  };
}

/** What the shop shows of an archived order's SKU now: its name and delivery instructions (null when the SKU is gone). */
export interface ArchivedSku {
  name: string;
  deliveryInstructions: string | null;
}

/** An archived order with its SKU as the shop shows it now, for the pages and emails that name it. */
export async function loadArchivedOrderWithSku(db: Db, orderNo: string): Promise<(ArchivedOrder & { sku: ArchivedSku | null }) | null> {
  const archived = await loadArchivedOrder(db, orderNo);
  if (!archived) return null;
  const sku = await db.sku.findUnique({ where: { sku: archived.order.sku }, select: { name: true, deliveryInstructions: true } });
  return { ...archived, sku };
}

export interface ArchiveFilter {
  status?: OrderStatus;
  email?: string;
  sku?: string;
  from?: Date;
  to?: Date;
  /** Only orders after this one in (createdAt, orderNo) descending order: the page before ended there. */
  after?: { createdAt: Date; orderNo: string };
  limit: number;
}

/**
 * Archived orders' own rows (without their events, payments and notifications), newest first,
 * filtered as staff search the hot ones; each filter has its (column, createdAt) index.
 */
export async function findArchivedOrders(db: Db, filter: ArchiveFilter): Promise<Array<Omit<Order, 'requestHash'>>> {
  if (filter.status && !ARCHIVED_STATUSES.includes(filter.status)) return [];
  const where = [
    filter.status ? Prisma.sql`"status" = ${filter.status}::"OrderStatus"` : null,
    filter.email ? Prisma.sql`"email" = ${filter.email}` : null,
    filter.sku ? Prisma.sql`"sku" = ${filter.sku}` : null,
    filter.from ? Prisma.sql`"createdAt" >= ${filter.from}` : null,
    filter.to ? Prisma.sql`"createdAt" < ${filter.to}` : null,
    filter.after ? Prisma.sql`("createdAt", "orderNo") < (${filter.after.createdAt}, ${filter.after.orderNo})` : null,
  ].filter((clause): clause is Prisma.Sql => clause !== null);
  const rows = await db.$queryRaw<Array<{ order: Stamped<Omit<Order, 'requestHash'>> }>>`
    SELECT "record"->'order' AS "order" FROM "OrderArchive"
    ${where.length > 0 ? Prisma.sql`WHERE ${Prisma.join(where, ' AND ')}` : Prisma.empty}
    ORDER BY "createdAt" DESC, "orderNo" DESC LIMIT ${filter.limit}`;
  return rows.map((row) => timed<Omit<Order, 'requestHash'>>(row.order));
}

/** When an archived order was placed (a page cursor may name one); null when there is none. */
export async function archivedOrderPlacedAt(db: Db, orderNo: string): Promise<Date | null> {
  return (await db.orderArchive.findUnique({ where: { orderNo }, select: { createdAt: true } }))?.createdAt ?? null;
}
