import { WorkflowNotFoundError } from '@temporalio/client';
import { paymentReceivedSignal } from '../workflows/order-messages';
import type { HandOffOutcome, PaymentReport } from '../domain/payment-report';
import { orderWorkflowId } from '../workflows/workflow-ids';
import { startLatePayment, type OrderRunDeps } from './order-runs';

export type ReportOutcome = { kind: 'signalled' } | { kind: 'late-payment'; workflowId: string } | { kind: 'already-recorded' };

// The channel (or a reconciliation pass) is waiting: a Temporal outage costs seconds, then it is retried.
const SIGNAL_DEADLINE_MS = 3000;

/**
 * Hands a confirmed payment to the order. A running order workflow gets a signal; on a closed one
 * the payment is either already recorded (a poll beat the callback) or late, and then settled by
 * its own follow-up run (`order-<orderNo>-late-<channel>-<tradeNo>`, one per trade). Errors other
 * than "workflow closed" propagate so the caller can retry later.
 */
export async function reportPayment(deps: OrderRunDeps, orderNo: string, report: PaymentReport): Promise<HandOffOutcome> {
  try {
    await deps.temporal.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, () =>
      deps.temporal.workflow.getHandle(orderWorkflowId(orderNo)).signal(paymentReceivedSignal, report),
    );
    return { kind: 'signalled' };
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
  const known = await deps.db.payment.findUnique({ where: { channel_tradeNo: { channel: report.channel, tradeNo: report.tradeNo } } });
  if (known) return { kind: 'already-recorded' };
  const order = await deps.db.order.findUniqueOrThrow({ where: { orderNo }, include: { skuRef: { select: { name: true } } } });
  const workflowId = await startLatePayment(deps, order, report);
  return { kind: 'late-payment', workflowId };
}
