import { ApplicationFailure } from '@temporalio/common';
import type { OrderStatus } from '../domain/order-status';
import type { Prisma } from '../generated/prisma/client';
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
  data?: Prisma.OrderUpdateManyMutationInput;
  at: Date;
}

/**
 * Moves an order between states inside a transaction and records the timeline event with it.
 * Idempotent: an order already in the target state is left alone and reports `false`.
 */
export async function transitionOrder(tx: Tx, t: Transition): Promise<boolean> {
  const updated = await tx.order.updateManyAndReturn({
    where: { orderNo: t.orderNo, status: { in: [...t.from] } },
    data: { ...t.data, status: t.to, statusReason: t.reason ?? null },
    select: { channel: true, createdAt: true, paidAt: true },
  });
  if (updated.length === 0) {
    const order = await tx.order.findUnique({ where: { orderNo: t.orderNo }, select: { status: true } });
    if (!order) throw ApplicationFailure.nonRetryable(`order ${t.orderNo} does not exist`, 'OrderNotFound');
    if (order.status === t.to) return false;
    throw ApplicationFailure.nonRetryable(
      `order ${t.orderNo} cannot move from ${order.status} to ${t.to}`,
      'InvalidOrderTransition',
    );
  }
  await tx.orderEvent.create({
    data: { orderNo: t.orderNo, type: t.type, actor: t.actor, message: t.message ?? t.reason ?? null, createdAt: t.at },
  });
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
