import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { TypedSearchAttributes, WorkflowIdReusePolicy, type SearchAttributePair } from '@temporalio/common';
import type { Config } from '../config';
import type { Db } from '../db/client';
import type { Order } from '../generated/prisma/client';
import type { OrderStatus } from '../domain/order-status';
import type { DegradeLevel } from '../degrade/degrade-levels';
import type { WarmUp } from '../activities/prewarm';
import {
  deferredDeliveryEmailsWorkflow,
  latePaymentWorkflow,
  operatorNoticeWorkflow,
  prewarmWorkflow,
  orderWorkflow,
  recoveryWorkflow,
  sendOrderLinkWorkflow,
  supportActionWorkflow,
} from '../workflows';
import type { ActionRequest, OrderRunInput, PaymentReport, SupportAction } from '../workflows/types';
import {
  channelNoticeWorkflowId,
  DEFERRED_EMAILS_WORKFLOW_ID,
  latePaymentWorkflowId,
  orderLinkWorkflowId,
  orderWorkflowId,
  prewarmWorkflowId,
  recoveryWorkflowId,
  supportActionWorkflowId,
} from '../workflows/workflow-ids';
import { AmountCentsKey, BuyerEmailKey, OrderNoKey, OrderStatusKey, PaymentChannelKey, SkuKey } from '../workflows/search-attributes';

// Every workflow Keyflow starts is started here, typed by the workflow function it runs, so a changed
// signature fails the type check instead of a running order.

// A buyer or a channel is waiting on this call: seconds for a clear failure, not the client's full retry budget.
const START_DEADLINE_MS = 5000;

export interface OrderRunDeps {
  db: Db;
  temporal: Client;
  config: Config;
  clock: () => Date;
}

type OrderWithSku = Order & { skuRef: { name: string } };

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** What every order run is given: the order as placed and today's policy, with what is left of its deadline. */
export function orderRunInput({ config, clock }: OrderRunDeps, order: Order, skuName: string, degrade?: DegradeLevel): OrderRunInput {
  return {
    order: {
      orderNo: order.orderNo,
      sku: order.sku,
      skuName,
      quantity: order.quantity,
      amountCents: order.amountCents,
      currency: order.currency,
      channel: order.channel,
    },
    policy: {
      paymentDeadlineMs: Math.max(0, order.expiresAt.getTime() - clock().getTime()),
      paymentPollIntervalMs: config.order.paymentPollIntervalMs,
      latePaymentPolicy: config.order.latePaymentPolicy,
      restockWaitMs: config.order.restockWaitMs,
      lowStockThreshold: config.lowStockThreshold,
      operatorWebhook: Boolean(config.operatorWebhook),
      reviewReminderMs: config.order.reviewReminderMs,
      reviewWaitMs: config.order.reviewWaitMs,
      ...(degrade ? { degrade } : {}),
    },
  };
}

/** Search attributes support staff filter on in the Web UI, and the summary it shows. */
function webUiFields(config: Config, order: Order, skuName: string, status: OrderStatus, purpose?: string) {
  const attributes: SearchAttributePair[] = [
    { key: OrderNoKey, value: order.orderNo },
    { key: OrderStatusKey, value: status },
    { key: SkuKey, value: order.sku },
    { key: PaymentChannelKey, value: order.channel },
    { key: AmountCentsKey, value: order.amountCents },
    ...(config.searchBuyerEmail ? [{ key: BuyerEmailKey, value: normaliseEmail(order.email) }] : []),
  ];
  return {
    typedSearchAttributes: new TypedSearchAttributes(attributes),
    staticSummary: `${order.orderNo} · ${order.quantity} × ${skuName} · ${order.channel}${purpose ? ` · ${purpose}` : ''}`,
    staticDetails: `**Order ${order.orderNo}**\n\n${order.quantity} × ${skuName} (${order.sku}) · ${order.amountCents / 100} ${order.currency} · ${order.channel}\n\nCreated ${order.createdAt.toISOString()}`,
  };
}

/** Starts with a short deadline; a run already started under the id is found, never duplicated. */
async function startOnce(deps: OrderRunDeps, start: () => Promise<unknown>): Promise<void> {
  try {
    await deps.temporal.withDeadline(Date.now() + START_DEADLINE_MS, start);
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

/** The order's own run, `order-<orderNo>`, at the degrade level it was placed at; placeOrder records it with the pay URL. */
export async function startOrderWorkflow(deps: OrderRunDeps, order: Order, skuName: string, degrade?: DegradeLevel): Promise<string> {
  const workflowId = orderWorkflowId(order.orderNo);
  await startOnce(deps, () =>
    deps.temporal.workflow.start(orderWorkflow, {
      workflowId,
      taskQueue: deps.config.temporal.taskQueue,
      args: [orderRunInput(deps, order, skuName, degrade)],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      ...webUiFields(deps.config, order, skuName, 'AWAITING_PAYMENT'),
    }),
  );
  return workflowId;
}

/** Follow-up runs take over the order: the database records which run is responsible now. */
async function takeOver(deps: OrderRunDeps, orderNo: string, workflowId: string): Promise<string> {
  await deps.db.order.update({ where: { orderNo }, data: { workflowId } });
  return workflowId;
}

/** A payment for an order whose own run has closed: settled by a run of its own, one per trade. */
export async function startLatePayment(deps: OrderRunDeps, order: OrderWithSku, payment: PaymentReport): Promise<string> {
  const workflowId = latePaymentWorkflowId(order.orderNo, payment.channel, payment.tradeNo);
  await startOnce(deps, () =>
    deps.temporal.workflow.start(latePaymentWorkflow, {
      workflowId,
      taskQueue: deps.config.temporal.taskQueue,
      args: [{ ...orderRunInput(deps, order, order.skuRef.name), payment }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      ...webUiFields(deps.config, order, order.skuRef.name, order.status, 'late payment'),
    }),
  );
  return takeOver(deps, order.orderNo, workflowId);
}

/** A staff action on an order whose own run has closed. */
export async function startSupportAction(
  deps: OrderRunDeps,
  order: OrderWithSku,
  action: SupportAction,
  request: ActionRequest,
): Promise<WorkflowHandle<typeof supportActionWorkflow>> {
  const workflowId = supportActionWorkflowId(order.orderNo, action, deps.clock());
  await startOnce(deps, () =>
    deps.temporal.workflow.start(supportActionWorkflow, {
      workflowId,
      taskQueue: deps.config.temporal.taskQueue,
      args: [{ ...orderRunInput(deps, order, order.skuRef.name), action, request }],
      ...webUiFields(deps.config, order, order.skuRef.name, order.status, action),
    }),
  );
  await takeOver(deps, order.orderNo, workflowId);
  return deps.temporal.workflow.getHandle<typeof supportActionWorkflow>(workflowId);
}

/** Reconciliation: a run that takes over an order whose run is gone, from the state the database has. */
export async function startRecovery(deps: OrderRunDeps, orderNo: string): Promise<string> {
  const order = await deps.db.order.findUniqueOrThrow({ where: { orderNo }, include: { skuRef: { select: { name: true } } } });
  const workflowId = recoveryWorkflowId(orderNo, deps.clock());
  await startOnce(deps, () =>
    deps.temporal.workflow.start(recoveryWorkflow, {
      workflowId,
      taskQueue: deps.config.temporal.taskQueue,
      args: [orderRunInput(deps, order, order.skuRef.name)],
      ...webUiFields(deps.config, order, order.skuRef.name, order.status, 'recovery'),
    }),
  );
  return takeOver(deps, orderNo, workflowId);
}

/**
 * The delivery emails of orders whose runs deferred them (degrade level essential), as one batch.
 * False when a batch is still running: its orders are taken care of, the others wait for the next.
 */
export async function startDeferredDeliveryEmails(deps: Pick<OrderRunDeps, 'temporal' | 'config'>, orderNos: string[]): Promise<boolean> {
  try {
    await deps.temporal.workflow.start(deferredDeliveryEmailsWorkflow, {
      workflowId: DEFERRED_EMAILS_WORKFLOW_ID,
      taskQueue: deps.config.temporal.taskQueue,
      args: [{ orderNos }],
    });
    return true;
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw error;
  }
}

/** A sale's prewarm through a worker; answers what the worker warmed. */
export async function runPrewarm(deps: Pick<OrderRunDeps, 'temporal' | 'config' | 'clock'>, sku: string, connections: number): Promise<WarmUp> {
  return deps.temporal.workflow.execute(prewarmWorkflow, {
    workflowId: prewarmWorkflowId(sku, deps.clock()),
    taskQueue: deps.config.temporal.taskQueue,
    args: [{ sku, connections }],
    workflowExecutionTimeout: '30s',
  });
}

/** Mails the buyer their order link (the order's own address only). */
export async function startOrderLinkMail(deps: Pick<OrderRunDeps, 'temporal' | 'config' | 'clock'>, orderNo: string): Promise<string> {
  const workflowId = orderLinkWorkflowId(orderNo, deps.clock());
  await deps.temporal.workflow.start(sendOrderLinkWorkflow, { workflowId, taskQueue: deps.config.temporal.taskQueue, args: [{ orderNo }] });
  return workflowId;
}

/** Tells the operator (OPERATOR_WEBHOOK_URL) that a payment channel instance changed state, with retries. */
export async function startChannelNotice(
  deps: Pick<OrderRunDeps, 'temporal' | 'config'>,
  change: { name: string; from: string; to: string; reason: string; at: Date },
): Promise<void> {
  await deps.temporal.workflow.start(operatorNoticeWorkflow, {
    workflowId: channelNoticeWorkflowId(change.name, change.to, change.at),
    taskQueue: deps.config.temporal.taskQueue,
    args: [{ event: 'channel.state', channel: change.name, state: change.to, detail: `${change.name}: ${change.from} → ${change.to} (${change.reason})` }],
  });
}
