import { ApplicationFailure } from '@temporalio/common';
import type { OrderStatus } from '../domain/order-status';
import { Prisma } from '../generated/prisma/client';
import { FINAL_STATES, metrics } from '../observability/metrics';

type Tx = Prisma.TransactionClient;

export interface Transition {
  orderNo: string;
  to: OrderStatus;
  from: readonly OrderStatus[];
  actor: string;
  type: string;
  message?: string;
  reason?: string | null;
  /** The order's timestamp this move sets to `at`. */
  stamp?: 'paidAt' | 'deliveredAt' | 'closedAt';
  at: Date;
}

/**
 * Moves an order between states and records the timeline event with it, in one statement.
 * Idempotent: an order already in the target state is left alone and reports `false`.
 * `alongside` is one more write that happens only with the move, in the same statement (so with no
 * transaction around it): it reads the moved order's row from `moved`.
 */
export async function transitionOrder(tx: Tx, t: Transition, alongside?: Prisma.Sql): Promise<boolean> {
  // The move and its timeline event in one statement: this runs twice per delivered order.
  const stamped = (column: NonNullable<Transition['stamp']>) => (t.stamp === column ? t.at : null);
  const updated = await tx.$queryRaw<Array<{ channel: string; createdAt: Date; paidAt: Date | null }>>`
    WITH moved AS (
      UPDATE "Order" SET
        "status" = ${t.to}::"OrderStatus",
        "statusReason" = ${t.reason ?? null},
        "updatedAt" = ${t.at},
        "paidAt" = COALESCE(${stamped('paidAt')}::timestamp, "paidAt"),
        "deliveredAt" = COALESCE(${stamped('deliveredAt')}::timestamp, "deliveredAt"),
        "closedAt" = COALESCE(${stamped('closedAt')}::timestamp, "closedAt")
      WHERE "orderNo" = ${t.orderNo} AND "status" IN (${Prisma.join(t.from.map((s) => Prisma.sql`${s}::"OrderStatus"`))})
      RETURNING "orderNo", "channel", "createdAt", "paidAt"
    ), logged AS (
      INSERT INTO "OrderEvent" ("orderNo", "type", "actor", "message", "createdAt")
      SELECT "orderNo", ${t.type}, ${t.actor}, ${t.message ?? t.reason ?? null}, ${t.at} FROM moved
    )${alongside ? Prisma.sql`, alongside AS (${alongside})` : Prisma.empty}
    SELECT "channel", "createdAt", "paidAt" FROM moved`;
  if (updated.length === 0) {
    const order = await tx.order.findUnique({ where: { orderNo: t.orderNo }, select: { status: true } });
    if (!order) throw ApplicationFailure.nonRetryable(`order ${t.orderNo} does not exist`, 'OrderNotFound');
    if (order.status === t.to) return false;
    throw ApplicationFailure.nonRetryable(`order ${t.orderNo} cannot move from ${order.status} to ${t.to}`, 'InvalidOrderTransition');
  }
  observeTransition(t, updated[0]);
  return true;
}

/** Latency histograms and final-state counters, from the row the transition itself returned. */
function observeTransition(t: Transition, order: { channel: string; createdAt: Date; paidAt: Date | null }): void {
  const seconds = (from: Date | null) => (from ? Math.max(0, t.at.getTime() - from.getTime()) / 1000 : undefined);
  if (t.to === 'PAID') {
    const s = seconds(order.createdAt);
    if (s !== undefined) metrics.createdToPaidSeconds.observe({ channel: order.channel }, s);
  }
  if (t.to === 'DELIVERED') {
    const s = seconds(order.paidAt);
    if (s !== undefined) metrics.paidToDeliveredSeconds.observe({ channel: order.channel }, s);
  }
  if (FINAL_STATES.has(t.to)) metrics.ordersFinal.inc({ state: t.to, channel: order.channel });
}
