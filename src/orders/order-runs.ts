import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { TypedSearchAttributes, WorkflowIdReusePolicy, type SearchAttributePair } from '@temporalio/common';
import type { Config } from '../config';
import type { Db } from '../db/client';
import type { Order } from '../generated/prisma/client';
import type { OrderStart, OrderWorkflowInput } from '../workflows/types';
import { orderWorkflowId } from '../workflows/workflow-ids';
import { AmountCentsKey, BuyerEmailKey, OrderNoKey, OrderStatusKey, PaymentChannelKey, SkuKey } from '../workflows/search-attributes';

// A buyer or a channel is waiting on this call: seconds for a clear failure, not the client's full retry budget.
const START_DEADLINE_MS = 5000;

export interface OrderRunDeps {
  db: Db;
  temporal: Client;
  config: Config;
  clock: () => Date;
}

/**
 * The id of a workflow run for an order. The order's own run is `order-<orderNo>` and is never
 * reused; follow-ups on a closed order get ids derived from it.
 */
export function orderRunId(orderNo: string, start: OrderStart): string {
  switch (start.kind) {
    case 'new':
      return orderWorkflowId(orderNo);
    case 'late-payment':
      return `order-${orderNo}-late-${start.payment.channel}-${start.payment.tradeNo}`;
    case 'support':
      return `order-${orderNo}-${start.action}-${Date.now().toString(36)}`;
    case 'new-recovery':
    case 'recover':
      return `order-${orderNo}-recover-${Date.now().toString(36)}`;
  }
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Starts a workflow run for the order and records it as the order's current run. Idempotent per id. */
export async function startOrderRun(deps: OrderRunDeps, order: Order, skuName: string, start: OrderStart): Promise<string> {
  const { config } = deps;
  const workflowId = orderRunId(order.orderNo, start);
  const input: OrderWorkflowInput = {
    orderNo: order.orderNo,
    sku: order.sku,
    skuName,
    quantity: order.quantity,
    amountCents: order.amountCents,
    currency: order.currency,
    channel: order.channel,
    paymentDeadlineMs: Math.max(0, order.expiresAt.getTime() - deps.clock().getTime()),
    paymentPollIntervalMs: config.order.paymentPollIntervalMs,
    latePaymentPolicy: config.order.latePaymentPolicy,
    restockWaitMs: config.order.restockWaitMs,
    lowStockThreshold: config.lowStockThreshold,
    operatorWebhook: Boolean(config.operatorWebhook),
    start,
  };
  const attributes: SearchAttributePair[] = [
    { key: OrderNoKey, value: order.orderNo },
    { key: OrderStatusKey, value: start.kind === 'new' || start.kind === 'new-recovery' ? 'AWAITING_PAYMENT' : order.status },
    { key: SkuKey, value: order.sku },
    { key: PaymentChannelKey, value: order.channel },
    { key: AmountCentsKey, value: order.amountCents },
    ...(config.searchBuyerEmail ? [{ key: BuyerEmailKey, value: normaliseEmail(order.email) }] : []),
  ];
  const summary = `${order.orderNo} · ${order.quantity} × ${skuName} · ${order.channel}${start.kind === 'new' ? '' : ` · ${start.kind === 'support' ? start.action : start.kind}`}`;
  try {
    await deps.temporal.withDeadline(Date.now() + START_DEADLINE_MS, () =>
      deps.temporal.workflow.start('orderWorkflow', {
        workflowId,
        taskQueue: config.temporal.taskQueue,
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: new TypedSearchAttributes(attributes),
        staticSummary: summary,
        staticDetails: `**Order ${order.orderNo}**\n\n${order.quantity} × ${skuName} (${order.sku}) · ${order.amountCents / 100} ${order.currency} · ${order.channel}\n\nCreated ${order.createdAt.toISOString()}`,
      }),
    );
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  // A new order's run is recorded with its pay URL (placeOrder); follow-ups take over here.
  if (start.kind !== 'new') await deps.db.order.update({ where: { orderNo: order.orderNo }, data: { workflowId } });
  return workflowId;
}

/** Starts a run that takes over an order whose workflow is gone, from the state the database has. */
export async function recoverOrder(deps: OrderRunDeps, orderNo: string): Promise<string> {
  const order = await deps.db.order.findUniqueOrThrow({ where: { orderNo }, include: { skuRef: { select: { name: true } } } });
  return startOrderRun(deps, order, order.skuRef.name, { kind: order.status === 'AWAITING_PAYMENT' ? 'new-recovery' : 'recover' });
}
