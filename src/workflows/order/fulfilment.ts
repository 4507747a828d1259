import { ApplicationFailure, condition, workflowInfo } from '@temporalio/workflow';
import { mail, refunds, steps } from '../activity-proxies';
import { activityFailed } from '../activity-failure';
import { causeInBrief } from '../../error-text';
import { Compensations } from './compensations';
import type { OrderRecord } from './record';
import type { PaymentReport } from '../types';
import type { Candidate } from './payment-wait';

/**
 * Why a payment cannot be used as it is (wrong channel, currency or amount): kept, never delivered;
 * staff decide.
 */
export function paymentMismatch(record: OrderRecord, payment: PaymentReport): string | undefined {
  const { amountCents, currency, channel } = record.order;
  if (payment.channel !== channel) return `paid through ${payment.channel}, order expects ${channel}`;
  if (payment.currency !== currency) return `paid in ${payment.currency}, order is in ${currency}`;
  if (payment.amountCents !== amountCents) return `amount mismatch: paid ${payment.amountCents}, order is ${amountCents} (cents)`;
  return undefined;
}

/** What fulfil made of a payment: settled (delivered, refunded, in review), or not believed and ignored. */
export type Fulfilment = 'settled' | 'unverified';

/**
 * A paid order, as a saga: check the payment → record it, reserve and issue the keys (one activity,
 * one transaction) → DELIVERED. Short of sellable keys it waits for a restock, and when none comes the
 * registered compensation gives the money back. The buyer's email follows in finish(). A payment the
 * activity cannot confirm (no matching verified notification, the channel does not know it) changes
 * nothing: it is recorded and ignored.
 */
export async function fulfil(record: OrderRecord, { report: payment, proof }: Candidate): Promise<Fulfilment> {
  try {
    const mismatch = paymentMismatch(record, payment);
    if (mismatch) {
      const recorded = await steps.recordPayment({ orderNo: record.order.orderNo, payment, proof, reviewReason: mismatch });
      if (recorded === 'second') await refundExtraPayment(record, payment);
      else record.moveTo('NEEDS_REVIEW', `${payment.channel} trade ${payment.tradeNo}: ${mismatch}`, { reason: mismatch });
      return 'settled';
    }
    const compensations = new Compensations();
    // Recording the payment is the first thing delivery does; from then on the money is what to give back.
    compensations.add('refund the payment', (why) => refund(record, why, 'system'));
    const delivered = await deliverKeys(record, { report: payment, proof });
    if (delivered !== true) await compensations.run(delivered.why, record.order.orderNo);
    return 'settled';
  } catch (error) {
    if (!isFailure(error, 'UnverifiedPayment')) throw error;
    return ignoreUnverified(record, error);
  }
}

/** A payment report nothing confirms (a forged signal): on the timeline and to the operator, then ignored. */
function ignoreUnverified(record: OrderRecord, error: unknown): Fulfilment {
  record.note(`ignored a payment report nothing confirms: ${causeInBrief(error)}`);
  record.tellOperator('payment.unverified', causeInBrief(error), 'unverified-payment');
  return 'unverified';
}

/**
 * Reserves and issues the keys in one activity: with the payment on the hot path (`deliverPayment`
 * records it in the same transaction), without one for an order already paid (restock, recovery).
 * When the SKU is short, or its keys cannot be sold, the order waits up to RESTOCK_WAIT for an import
 * (the `restocked` signal wakes it) and tries again. A payment for an order another trade settled
 * first is a second payment, given back.
 */
export async function deliverKeys(record: OrderRecord, candidate?: Candidate): Promise<true | { why: string }> {
  const { orderNo, sku, quantity } = record.order;
  const request = { orderNo, sku, quantity, lowStockThreshold: record.policy.lowStockThreshold };
  const payment = candidate?.report;
  const paidNote = payment && `${payment.channel} trade ${payment.tradeNo} (${payment.source})`;
  const paidAt = payment && new Date(payment.seenAt ?? Date.now());
  let problem: Shortage;
  try {
    const delivery = candidate
      ? await steps.deliverPayment({ ...request, payment: candidate.report, proof: candidate.proof })
      : await steps.reserveAndIssue(request);
    if ('secondPayment' in delivery) {
      await refundExtraPayment(record, candidate!.report);
      return true;
    }
    if (paidNote) record.moveTo('PAID', paidNote, { upsert: !delivery.delivered, paidAt });
    if (delivery.delivered) {
      delivered(record, delivery.keyIds.length, delivery.remaining, paidAt);
      return true;
    }
    problem = { available: delivery.available };
  } catch (error) {
    if (!isFailure(error, 'KeysNotSellable')) throw error;
    // The activity recorded the payment before giving up on the keys: the order is PAID.
    if (paidNote) record.moveTo('PAID', paidNote, { paidAt });
    problem = { unsellable: causeInBrief(error) };
  }
  return awaitRestock(record, problem);
}

/** Why the keys were not issued: too few in stock, or the database refused to sell them. */
type Shortage = { available: number } | { unsellable: string };

async function awaitRestock(record: OrderRecord, problem: Shortage): Promise<true | { why: string }> {
  const { orderNo, sku, quantity } = record.order;
  const why = () => ('unsellable' in problem ? problem.unsellable : `out of stock: no ${quantity} key(s) of ${sku} within the restock wait`);
  if (record.policy.restockWaitMs <= 0) return { why: why() };
  const reason =
    'unsellable' in problem ? `waiting for stock: ${problem.unsellable}` : `waiting for stock: ${problem.available} of ${quantity} key(s) available`;
  await steps.markAwaitingStock({ orderNo, reason });
  record.moveTo('AWAITING_STOCK', reason);
  const deadline = Date.now() + record.policy.restockWaitMs;
  for (;;) {
    const seen = record.restocks;
    const remaining = deadline - Date.now();
    const woke = remaining > 0 && (await condition(() => record.restocks > seen, remaining));
    try {
      const delivery = await steps.reserveAndIssue({ orderNo, sku, quantity, lowStockThreshold: record.policy.lowStockThreshold });
      if (delivery.delivered) {
        delivered(record, delivery.keyIds.length, delivery.remaining);
        return true;
      }
      problem = { available: delivery.available };
    } catch (error) {
      if (!isFailure(error, 'KeysNotSellable')) throw error;
      problem = { unsellable: causeInBrief(error) };
      record.note(problem.unsellable);
    }
    if (!woke) return { why: why() };
  }
}

function delivered(record: OrderRecord, keys: number, remaining: number, paidAt?: Date): void {
  record.moveTo('DELIVERED', `${keys} key(s) issued`, { paidAt });
  const threshold = record.policy.lowStockThreshold;
  if (remaining >= 0 && remaining < threshold) record.tellOperator('stock.low', `${remaining} key(s) of ${record.order.sku} left`, 'low-stock');
}

const isFailure = (error: unknown, type: string) => error instanceof ApplicationFailure && error.type === type;

/** REFUNDING → REFUNDED and tell the buyer; a refused or failing refund → NEEDS_REVIEW. */
export async function refund(record: OrderRecord, reason: string, actor: string): Promise<void> {
  const { orderNo } = record.order;
  record.moveTo('REFUNDING', reason);
  try {
    await refunds.refundOrder({ orderNo, reason, actor });
  } catch (error) {
    if (!activityFailed(error)) throw error;
    const why = `refund failed: ${causeInBrief(error)}`;
    await steps.markNeedsReview({ orderNo, reason: why });
    record.moveTo('NEEDS_REVIEW', why, { reason: why });
    return;
  }
  record.moveTo('REFUNDED', reason, { reason });
  await mail.sendBuyerEmail({ orderNo, kind: 'refund' });
}

/** A payment made after the order closed: settled by LATE_PAYMENT_POLICY, never kept silently. */
export async function settleLatePayment(record: OrderRecord, candidate: Candidate): Promise<Fulfilment> {
  const { report: payment, proof } = candidate;
  const policy = record.policy.latePaymentPolicy;
  record.note(`late payment ${payment.channel} trade ${payment.tradeNo}: policy ${policy}`);
  if (policy === 'refund' && !paymentMismatch(record, payment)) {
    let recorded;
    try {
      recorded = await steps.recordPayment({ orderNo: record.order.orderNo, payment, proof });
    } catch (error) {
      if (!isFailure(error, 'UnverifiedPayment')) throw error;
      return ignoreUnverified(record, error);
    }
    if (recorded === 'second') {
      await refundExtraPayment(record, payment);
      return 'settled';
    }
    record.moveTo('PAID', `${payment.channel} trade ${payment.tradeNo} (${payment.source})`, { paidAt: new Date(payment.seenAt ?? Date.now()) });
    await refund(record, 'late payment (policy: refund)', 'system');
    return 'settled';
  }
  return fulfil(record, candidate);
}

/** Gives back a second payment for an already paid order; if the channel refuses, staff are told. */
export async function refundExtraPayment(record: OrderRecord, payment: PaymentReport): Promise<void> {
  try {
    await refunds.refundExtraPayment({ orderNo: record.order.orderNo, payment });
    record.note(`second payment ${payment.channel} trade ${payment.tradeNo} refunded`);
  } catch (error) {
    if (!activityFailed(error)) throw error;
    const why = `the second payment ${payment.tradeNo} could not be refunded: ${causeInBrief(error)}`;
    record.note(why);
    record.tellOperator('order.needs_review', why, 'extra-payment');
  }
}

/**
 * NEEDS_REVIEW waits for staff (approve / refund Updates), reminding the operator every
 * REVIEW_REMINDER, for at most REVIEW_WAIT or until the history grows large. Then the run ends with
 * the order still in review (the database's review queue keeps it), and later staff actions run as
 * support runs of their own: a waiting order never grows without bound.
 */
export async function awaitReview(record: OrderRecord): Promise<void> {
  const { reviewReminderMs, reviewWaitMs } = record.policy;
  const until = Date.now() + reviewWaitMs;
  const settled = () => record.status !== 'NEEDS_REVIEW' && !record.busy;
  while (!settled()) {
    const left = until - Date.now();
    if (left <= 0 || workflowInfo().continueAsNewSuggested) {
      if (record.busy) await condition(() => !record.busy);
      return;
    }
    // REVIEW_REMINDER 0: no reminders, just the bounded wait.
    if (await condition(settled, reviewReminderMs > 0 ? Math.min(left, reviewReminderMs) : left)) return;
    if (reviewReminderMs > 0 && record.status === 'NEEDS_REVIEW' && !record.busy && Date.now() < until) {
      record.tellOperator('order.needs_review', `still waiting for staff: ${record.reason ?? 'no reason recorded'}`, 'review-reminder');
    }
  }
}
