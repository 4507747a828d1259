import {
  isGrpcDeadlineError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  WorkflowUpdateStage,
} from '@temporalio/client';
import type { OrderRunDeps } from './order-runs';
import { startSupportAction } from './order-runs';
import { approveUpdate, cancelUpdate, refundUpdate, resendUpdate } from '../workflows/order-messages';
import type { ActionRequest, OrderView, SupportAction } from '../workflows/types';
import { orderWorkflowId } from '../workflows/workflow-ids';
import { firstLine, rootCauseMessage } from '../error-text';

export type OrderAction = 'cancel' | SupportAction;

const UPDATES = { cancel: cancelUpdate, approve: approveUpdate, refund: refundUpdate, resend: resendUpdate } satisfies Record<OrderAction, unknown>;
/** Every action on an order (staff take them all; the buyer only cancels). */
export const ORDER_ACTIONS = Object.keys(UPDATES) as readonly OrderAction[];

export class ActionError extends Error {
  constructor(
    readonly kind: 'not-found' | 'rejected' | 'unavailable',
    message: string,
  ) {
    super(message);
  }
}

export interface ActionResult {
  orderNo: string;
  status: string;
  reason: string | null;
  workflowId: string;
  /** The action was still at work when staff stopped waiting (it goes on): its outcome goes on the timeline. */
  pending?: true;
}

// Staff wait for the answer; a long refund retry loop keeps running after we answer.
const STAFF_WAIT_MS = 20_000;

/**
 * The outcome of an action Temporal has taken, or undefined when `deadline` passes first: the action
 * goes on in its run, and the long poll for its outcome stops here rather than going on unread.
 */
async function outcomeBy<T>(deps: OrderRunDeps, deadline: number, outcome: () => Promise<T>): Promise<{ value: T } | undefined> {
  try {
    return { value: await deps.temporal.withDeadline(deadline, outcome) };
  } catch (error) {
    if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isGrpcDeadlineError(error)) return undefined;
    throw error;
  }
}

/**
 * Performs a support or buyer action through Temporal, never by editing the database directly: an
 * Update on the order's running workflow, or, when that workflow has closed, a short follow-up run
 * with its own id. Returns the order's state afterwards, or the state so far (`pending`) when the
 * action is still at work after `waitMs` (a refund retrying through a channel outage).
 */
export async function performOrderAction(
  deps: OrderRunDeps,
  orderNo: string,
  action: OrderAction,
  request: ActionRequest,
  { waitMs = STAFF_WAIT_MS }: { waitMs?: number } = {},
): Promise<ActionResult> {
  const order = await deps.db.order.findUnique({ where: { orderNo }, include: { skuRef: { select: { name: true } } } });
  if (!order) throw new ActionError('not-found', `order ${orderNo} does not exist`);
  if (action === 'refund' && order.status === 'DELIVERED' && !deps.config.order.refundDelivered) {
    throw new ActionError('rejected', 'refunding a delivered order is switched off here (REFUND_DELIVERED=false): its keys were handed over');
  }
  const workflowId = order.workflowId ?? orderWorkflowId(orderNo);
  const deadline = Date.now() + waitMs;
  try {
    // Accepted (the validator passed, the run has it) within the wait, or Temporal is unavailable.
    const update = await deps.temporal.withDeadline(deadline, () =>
      deps.temporal.workflow.getHandle(workflowId).startUpdate(UPDATES[action], { args: [request], waitForStage: WorkflowUpdateStage.ACCEPTED }),
    );
    const answer = await outcomeBy<OrderView>(deps, deadline, () => update.result());
    if (!answer) return { ...result(await deps.db.order.findUniqueOrThrow({ where: { orderNo } }), workflowId), pending: true };
    return { orderNo, status: answer.value.status, reason: answer.value.reason ?? null, workflowId };
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) throw new ActionError('rejected', firstLine(rootCauseMessage(error)));
    if (!(error instanceof WorkflowNotFoundError))
      throw new ActionError('unavailable', `order processing is unavailable right now (${firstLine(rootCauseMessage(error))})`);
  }

  // The workflow has closed. A repeated cancel of a cancelled order is a no-op; other cancels are too late.
  if (action === 'cancel') {
    if (order.status === 'CANCELLED') return result(order, workflowId);
    throw new ActionError('rejected', `only an unpaid order can be cancelled (order is ${order.status})`);
  }
  if (action === 'refund' && order.status === 'REFUNDED') return result(order, workflowId);
  const followUp = await startSupportAction(deps, order, action, request);
  let finished: boolean;
  try {
    finished = (await outcomeBy(deps, deadline, () => followUp.result())) !== undefined;
  } catch (error) {
    if (error instanceof WorkflowFailedError) throw new ActionError('rejected', firstLine(rootCauseMessage(error)));
    throw error;
  }
  const after = await deps.db.order.findUniqueOrThrow({ where: { orderNo } });
  return { ...result(after, followUp.workflowId), ...(finished ? {} : { pending: true as const }) };
}

function result(order: { orderNo: string; status: string; statusReason: string | null }, workflowId: string): ActionResult {
  return { orderNo: order.orderNo, status: order.status, reason: order.statusReason, workflowId };
}
