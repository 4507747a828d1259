import type { Db } from './client';
import type { OrderStatus } from '../generated/prisma/client';

/** Timestamps as `to_jsonb` writes a `timestamp(3)` column: UTC without a zone. */
type Stamp = string | null;

interface ArchivedRecord {
  order: Record<string, unknown> & {
    orderNo: string;
    status: OrderStatus;
    statusReason: string | null;
    sku: string;
    quantity: number;
    amountCents: number;
    currency: string;
    channel: string;
    email: string;
    tokenVersion: number;
    createdAt: string;
    paidAt: Stamp;
    deliveredAt: Stamp;
  };
  events: Array<{ id: number; type: string; actor: string; message: string | null; createdAt: string }>;
  payments: Array<{ channel: string; tradeNo: string; amountCents: number; currency: string; paidAt: string }>;
  refunds: Array<Record<string, unknown>>;
  notifications: Array<Record<string, unknown>>;
}

/** A record's row with its `…At` timestamps as instants. */
type Timed<T> = { [K in keyof T]: K extends `${string}At` ? (null extends T[K] ? Date | null : Date) : T[K] };

export interface ArchivedOrder {
  archivedAt: Date;
  order: Timed<ArchivedRecord['order']>;
  events: Array<Timed<ArchivedRecord['events'][number]>>;
  payments: Array<Timed<ArchivedRecord['payments'][number]>>;
  refunds: ArchivedRecord['refunds'];
  notifications: ArchivedRecord['notifications'];
}

/** A `timestamp(3)` value from the archive's JSON as the instant it is (stored in UTC). */
function archivedTime(stamp: string): Date {
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(stamp) ? stamp : `${stamp}Z`);
}

/** The row with every `…At` field that holds a timestamp as a Date. */
function timed<T extends object>(row: T): Timed<T> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, k.endsWith('At') && typeof v === 'string' ? archivedTime(v) : v])) as Timed<T>;
}

/** An order moved out of the hot tables after ARCHIVE_AFTER, as it was when it was archived; null when there is none. */
export async function loadArchivedOrder(db: Db, orderNo: string): Promise<ArchivedOrder | null> {
  const row = await db.orderArchive.findUnique({ where: { orderNo } });
  if (!row) return null;
  const record = row.record as unknown as ArchivedRecord;
  return {
    archivedAt: row.archivedAt,
    order: timed(record.order),
    events: record.events.map(timed),
    payments: record.payments.map(timed),
    refunds: record.refunds.map(timed),
    notifications: record.notifications.map(timed),
  };
}
