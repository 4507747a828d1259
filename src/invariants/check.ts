import type { Db } from '../db/client';

export interface Violation {
  rule: string;
  orderNo?: string;
  detail: string;
}

export interface InvariantOptions {
  /** Paid orders younger than this may still be on their way (DELIVERY_SLA + RESTOCK_WAIT). */
  graceMs: number;
  now?: Date;
}

/**
 * What must always be true of the data, whatever failed along the way. Each rule is one query;
 * every row it returns is a violation, named by order number.
 */
export async function checkInvariants(db: Db, options: InvariantOptions): Promise<Violation[]> {
  const cutoff = new Date((options.now ?? new Date()).getTime() - options.graceMs);
  const rules: Array<{ rule: string; query: Promise<Array<{ orderNo: string | null; detail: string }>> }> = [
    {
      rule: 'a key is sold at most once',
      // One row per key means a key cannot belong to two orders; what can go wrong is an order
      // holding more sold keys than it bought.
      query: db.$queryRaw`
        SELECT o."orderNo", 'holds ' || count(k.id) || ' sold keys for quantity ' || o.quantity AS detail
        FROM "Order" o JOIN "CardKey" k ON k."orderNo" = o."orderNo" AND k.status = 'SOLD'
        GROUP BY o."orderNo", o.quantity HAVING count(k.id) > o.quantity`,
    },
    {
      // A delivered order being refunded, or waiting for staff after its refund was refused, still
      // holds the keys its buyer has: they are voided only when the money goes back.
      rule: 'every SOLD key belongs to a delivered order (DELIVERED, or delivered and now REFUNDING or NEEDS_REVIEW)',
      query: db.$queryRaw`
        SELECT k."orderNo", 'key ' || k.id || ' is SOLD but the order is ' || coalesce(o.status::text, 'missing') AS detail
        FROM "CardKey" k LEFT JOIN "Order" o ON o."orderNo" = k."orderNo"
        WHERE k.status = 'SOLD' AND (o."orderNo" IS NULL OR (o.status <> 'DELIVERED'
          AND NOT (o.status IN ('REFUNDING', 'NEEDS_REVIEW') AND o."deliveredAt" IS NOT NULL)))`,
    },
    {
      rule: 'every VOID key that was sold belongs to a refunded or reviewed order',
      query: db.$queryRaw`
        SELECT k."orderNo", 'key ' || k.id || ' is VOID but the order is ' || o.status AS detail
        FROM "CardKey" k JOIN "Order" o ON o."orderNo" = k."orderNo"
        WHERE k.status = 'VOID' AND o.status NOT IN ('REFUNDING', 'REFUNDED', 'NEEDS_REVIEW')`,
    },
    {
      rule: 'a DELIVERED order holds exactly its quantity of SOLD keys',
      query: db.$queryRaw`
        SELECT o."orderNo", 'quantity ' || o.quantity || ', sold keys ' || count(k.id) AS detail
        FROM "Order" o LEFT JOIN "CardKey" k ON k."orderNo" = o."orderNo" AND k.status = 'SOLD'
        WHERE o.status = 'DELIVERED' GROUP BY o."orderNo", o.quantity HAVING count(k.id) <> o.quantity`,
    },
    {
      rule: 'every paid order ends DELIVERED, REFUNDING, REFUNDED or NEEDS_REVIEW',
      query: db.$queryRaw`
        SELECT o."orderNo", 'paid at ' || to_char(min(p."paidAt"), 'YYYY-MM-DD"T"HH24:MI:SS') || ' and still ' || o.status AS detail
        FROM "Order" o JOIN "Payment" p ON p."orderNo" = o."orderNo"
        WHERE o.status NOT IN ('DELIVERED', 'REFUNDING', 'REFUNDED', 'NEEDS_REVIEW')
        GROUP BY o."orderNo", o.status HAVING min(p."paidAt") < ${cutoff}`,
    },
    {
      rule: 'refunds never exceed payments',
      query: db.$queryRaw`
        SELECT o."orderNo", 'refunded ' || coalesce(r.total, 0) || ' of ' || coalesce(p.total, 0) AS detail
        FROM "Order" o
        LEFT JOIN (SELECT "orderNo", sum("amountCents") AS total FROM "Refund" WHERE status = 'SUCCEEDED' GROUP BY "orderNo") r ON r."orderNo" = o."orderNo"
        LEFT JOIN (SELECT "orderNo", sum("amountCents") AS total FROM "Payment" GROUP BY "orderNo") p ON p."orderNo" = o."orderNo"
        WHERE coalesce(r.total, 0) > coalesce(p.total, 0)`,
    },
    {
      rule: 'NEEDS_REVIEW always says why',
      query: db.$queryRaw`SELECT "orderNo", 'no reason recorded' AS detail FROM "Order" WHERE status = 'NEEDS_REVIEW' AND coalesce("statusReason", '') = ''`,
    },
    {
      rule: 'payments minus refunds agree with the order state',
      // Delivered: exactly the order's amount is kept (a second payment was given back). Refunded,
      // or never paid (expired, cancelled, failed, unpaid): nothing is kept. In flight or with
      // staff: no rule.
      query: db.$queryRaw`
        SELECT o."orderNo", o.status || ' keeps ' || (coalesce(p.total, 0) - coalesce(r.total, 0)) || ' of ' || coalesce(p.total, 0) || ' paid (amount ' || o."amountCents" || ')' AS detail
        FROM "Order" o
        LEFT JOIN (SELECT "orderNo", sum("amountCents") AS total FROM "Payment" GROUP BY "orderNo") p ON p."orderNo" = o."orderNo"
        LEFT JOIN (SELECT "orderNo", sum("amountCents") AS total FROM "Refund" WHERE status = 'SUCCEEDED' GROUP BY "orderNo") r ON r."orderNo" = o."orderNo"
        WHERE o."updatedAt" < ${cutoff} AND (
          (o.status = 'DELIVERED' AND coalesce(p.total, 0) - coalesce(r.total, 0) <> o."amountCents")
          OR (o.status IN ('REFUNDED', 'EXPIRED', 'CANCELLED', 'FAILED', 'AWAITING_PAYMENT', 'CREATED') AND coalesce(p.total, 0) - coalesce(r.total, 0) <> 0))`,
    },
    {
      rule: 'reserved keys belong to an order still being fulfilled',
      query: db.$queryRaw`
        SELECT k."orderNo", 'key ' || k.id || ' RESERVED for an order that is ' || o.status AS detail
        FROM "CardKey" k JOIN "Order" o ON o."orderNo" = k."orderNo"
        WHERE k.status = 'RESERVED' AND o.status NOT IN ('PAID', 'AWAITING_STOCK', 'NEEDS_REVIEW') AND o."updatedAt" < ${cutoff}`,
    },
  ];
  const violations: Violation[] = [];
  for (const { rule, query } of rules) {
    for (const row of await query) violations.push({ rule, orderNo: row.orderNo ?? undefined, detail: row.detail });
  }
  return violations;
}
