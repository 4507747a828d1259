import type { Db } from './client';
import type { Order, OrderEvent, Payment, PaymentNotification, Refund } from '../generated/prisma/client';

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
