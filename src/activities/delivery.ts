import { Context } from '@temporalio/activity';
import type { ActivityDeps } from './deps';
import type { PaymentProof, PaymentReport } from '../domain/payment-report';
import { InvalidTransitionError, isDatabaseUnavailable, isSaleRefusal, KeysNotSellableError, OrderNotFoundError, UnverifiedPaymentError } from '../db/errors';
import { causeInBrief } from '../error-text';
import { confirmWithChannel, recordPaymentIn, recordUnverified } from './payment';
import { issueIn, reserveIn, type ReserveRequest } from './stock';
import { ATTR, inSpan } from '../observability/tracing/spans';
import { deliverAtOnce } from './delivery-at-once';

export interface DeliverPaymentRequest extends ReserveRequest {
  /** A payment the workflow found usable (channel, currency and amount match the order). */
  payment: PaymentReport;
  /** How to check it before believing it (see PaymentProof). */
  proof: PaymentProof;
}

/** `remaining` as in `Reservation`; `available` when the SKU is short (nothing was reserved). */
export type Delivery = { delivered: true; keyIds: number[]; remaining: number } | { delivered: false; available: number };

/** What became of a payment handed to delivery: the keys' story, or a second payment for a settled order. */
export type PaymentDelivery = Delivery | { secondPayment: true };

/** Unknown errors (neither an outage nor a refusal) get this many attempts before the keys count as unsellable. */
const UNKNOWN_ERROR_ATTEMPTS = 3;

export function createDeliveryActivities({ db, channels, clock }: ActivityDeps) {
  return {
    /**
     * The common case in one step and one transaction: record the payment, reserve the keys, sell
     * them, DELIVERED (one statement when nothing is unusual: deliverAtOnce). Short of stock, the
     * payment alone is committed (the order is PAID) and the workflow waits for a restock. Failures
     * are typed: a database outage is retried until the database answers; keys that cannot be sold
     * commit the payment alone and fail non-retryably (KeysNotSellable), so the workflow goes on to
     * the restock wait or the refund.
     * Idempotent: a re-run finds the payment recorded and the keys sold, and reports the delivery.
     */
    async deliverPayment({ payment, proof, ...request }: DeliverPaymentRequest): Promise<PaymentDelivery> {
      const at = clock();
      const recording = { orderNo: request.orderNo, payment, proof };
      try {
        if (proof.kind === 'ask-channel') await confirmWithChannel(channels, request.orderNo, payment);
        return await traceDelivery(
          request.orderNo,
          async () =>
            (await deliverAtOnce(db, { ...request, payment, proof }, at)) ??
            db.$transaction(async (tx): Promise<PaymentDelivery> => {
              if ((await recordPaymentIn(tx, recording, at)) === 'second') return { secondPayment: true };
              return reserveAndIssueIn(tx, request, at);
            }),
        );
      } catch (error) {
        if (error instanceof UnverifiedPaymentError) {
          await recordUnverified(db, request.orderNo, payment.channel, error.message, at);
          throw error;
        }
        if (!keysAreTheProblem(error)) throw error;
        await recordPaymentIn(db, recording, at);
        throw new KeysNotSellableError(`keys could not be issued: ${causeInBrief(error, 200)}`);
      }
    },

    /** Reserves and sells the keys of an order already paid (restock, approval, recovery), in one transaction. */
    async reserveAndIssue(request: ReserveRequest): Promise<Delivery> {
      const at = clock();
      try {
        return await traceDelivery(request.orderNo, () => db.$transaction((tx) => reserveAndIssueIn(tx, request, at)));
      } catch (error) {
        if (!keysAreTheProblem(error)) throw error;
        throw new KeysNotSellableError(`keys could not be issued: ${causeInBrief(error, 200)}`);
      }
    },
  };
}

async function reserveAndIssueIn(tx: Parameters<typeof reserveIn>[0], request: ReserveRequest, at: Date): Promise<Delivery> {
  const reservation = await reserveIn(tx, request, at);
  if (!reservation.ok) return { delivered: false, available: reservation.available };
  await issueIn(tx, { orderNo: request.orderNo, keyIds: reservation.keyIds }, at);
  return { delivered: true, keyIds: reservation.keyIds, remaining: reservation.remaining };
}

/** The sale's span, named for what became of it. */
function traceDelivery<T extends PaymentDelivery>(orderNo: string, deliver: () => Promise<T>): Promise<T> {
  return inSpan('keyflow.deliver', { [ATTR.orderNo]: orderNo }, async (span) => {
    const delivery = await deliver();
    if ('secondPayment' in delivery) span.setAttribute(ATTR.outcome, 'second payment');
    else if (!delivery.delivered) span.setAttribute(ATTR.outcome, 'short of stock');
    else span.setAttributes({ [ATTR.outcome]: 'delivered', 'keyflow.keys_issued': delivery.keyIds.length });
    return delivery;
  });
}

/**
 * Whether a failed sale is about the keys (the database refused them), not about the database or
 * the order. An unknown error gets a few attempts first, so a bug is not mistaken for a refusal at once.
 */
function keysAreTheProblem(error: unknown): boolean {
  if (isDatabaseUnavailable(error) || error instanceof InvalidTransitionError || error instanceof OrderNotFoundError || error instanceof UnverifiedPaymentError)
    return false;
  if (error instanceof KeysNotSellableError || isSaleRefusal(error)) return true;
  return attempt() >= UNKNOWN_ERROR_ATTEMPTS;
}

function attempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1; // called outside a worker (a script or a test)
  }
}
