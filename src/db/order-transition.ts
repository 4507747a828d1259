import type { OrderEventType } from '../domain/order-event-type';
import type { OrderStatus } from '../domain/order-status';
import { Prisma } from '../generated/prisma/client';
import { InvalidTransitionError, OrderNotFoundError } from './errors';

type Tx = Prisma.TransactionClient;

export interface Transition {
  orderNo: string;
  to: OrderStatus;
  from: readonly OrderStatus[];
  actor: string;
  type: OrderEventType;
  message?: string;
  reason?: string | null;
  /** The order's timestamp this move sets (kept if already set)… */
  stamp?: 'paidAt' | 'deliveredAt' | 'closedAt';
  /** …to this time, when it is not the move's own (paidAt: when the shop first had proof of payment). */
  stampAt?: Date;
  at: Date;
  /** Columns written with the move. */
  set?: { payUrl?: string; workflowId?: string; channelRef?: string };
  /** One more condition the order must meet for the move (e.g. never handed a pay URL). */
  guard?: Prisma.Sql;
}

/** The moved order as the transition's own statement returned it. */
export interface MovedOrder {
  channel: string;
  createdAt: Date;
  paidAt: Date | null;
}

/** Told of every move after its statement ran; this layer knows nothing of metrics or Temporal. */
export type TransitionObserver = (transition: Transition, order: MovedOrder) => void;
const observers = new Set<TransitionObserver>();

export function observeTransitions(observer: TransitionObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

/**
 * The one way an order changes state: the move and its timeline event in one statement.
 * Idempotent: an order already in the target state is left alone and reports `false`; any other
 * state throws InvalidTransitionError. `alongside` is one more write that happens only with the
 * move, in the same statement (so with no transaction around it): it reads the moved row from `moved`.
 */
export async function transitionOrder(tx: Tx, t: Transition, alongside?: Prisma.Sql): Promise<boolean> {
  const stamped = (column: NonNullable<Transition['stamp']>) => (t.stamp === column ? (t.stampAt ?? t.at) : null);
  const updated = await tx.$queryRaw<MovedOrder[]>`
    WITH moved AS (
      UPDATE "Order" SET
        "status" = ${t.to}::"OrderStatus",
        "statusReason" = ${t.reason ?? null},
        "updatedAt" = ${t.at},
        "paidAt" = COALESCE("paidAt", ${stamped('paidAt')}::timestamp),
        "deliveredAt" = COALESCE(${stamped('deliveredAt')}::timestamp, "deliveredAt"),
        "closedAt" = COALESCE(${stamped('closedAt')}::timestamp, "closedAt"),
        "payUrl" = COALESCE(${t.set?.payUrl ?? null}, "payUrl"),
        "workflowId" = COALESCE(${t.set?.workflowId ?? null}, "workflowId"),
        "channelRef" = COALESCE(${t.set?.channelRef ?? null}, "channelRef")
      WHERE "orderNo" = ${t.orderNo} AND "status" IN (${Prisma.join(t.from.map((s) => Prisma.sql`${s}::"OrderStatus"`))})
        ${t.guard ? Prisma.sql`AND (${t.guard})` : Prisma.empty}
      RETURNING "orderNo", "channel", "createdAt", "paidAt"
    ), logged AS (
      INSERT INTO "OrderEvent" ("orderNo", "type", "actor", "message", "createdAt")
      SELECT "orderNo", ${t.type}, ${t.actor}, ${t.message ?? t.reason ?? null}, ${t.at} FROM moved
    )${alongside ? Prisma.sql`, alongside AS (${alongside})` : Prisma.empty}
    SELECT "channel", "createdAt", "paidAt" FROM moved`;
  if (updated.length === 0) {
    const order = await tx.order.findUnique({ where: { orderNo: t.orderNo }, select: { status: true } });
    if (!order) throw new OrderNotFoundError(t.orderNo);
    if (order.status === t.to) return false;
    throw new InvalidTransitionError(t.orderNo, order.status, t.to);
  }
  announceTransition(t, updated[0]);
  return true;
}

/** For a statement that moves an order without transitionOrder (one that does several moves at once). */
export function announceTransition(t: Transition, order: MovedOrder): void {
  for (const observer of observers) observer(t, order);
}
