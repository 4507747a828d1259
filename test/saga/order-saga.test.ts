import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { rootCauseMessage } from '../../src/error-text';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import { orderWorkflow } from '../../src/workflows/order';
import { latePaymentWorkflow } from '../../src/workflows/late-payment';
import { supportActionWorkflow } from '../../src/workflows/support-action';
import { recoveryWorkflow } from '../../src/workflows/recovery';
import { approveUpdate, cancelUpdate, paymentReceivedSignal, refundUpdate, restockedSignal, statusQuery } from '../../src/workflows/order-messages';
import { orderWorkflowId } from '../../src/workflows/workflow-ids';
import type { OrderStatus } from '../../src/domain/order-status';
import type { OrderRunInput } from '../../src/workflows/types';
import { createSagaEnv, DELIVERED, MINUTE, notSellable, orderInput, paymentFor, refused, SagaWorker, SHORT, unverified, type Overrides } from '../support/saga';

// A test server of its own per test: an operator notice started as an order closes (a child run
// that outlives its parent) leaves the test server's time skipping locked for the next order.
let env: TestWorkflowEnvironment;
let saga: SagaWorker;
beforeEach(async () => {
  env = await createSagaEnv();
  saga = new SagaWorker(env);
  await saga.start();
});
afterEach(async () => {
  await saga?.stop();
  await env?.teardown();
});

/** A new order with its own mocks. */
function order(overrides: Overrides = {}, policy: Partial<OrderRunInput['policy']> = {}) {
  const input = orderInput(policy);
  return { input, ...saga.mock(input.order.orderNo, overrides) };
}

const start = (input: OrderRunInput) =>
  env.client.workflow.start(orderWorkflow, { args: [input], taskQueue: saga.taskQueue, workflowId: orderWorkflowId(input.order.orderNo) });

/** Polls the workflow's own view until it reports `status` (queries do not move time). */
async function untilStatus(handle: WorkflowHandle, status: OrderStatus): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if ((await handle.query(statusQuery)).status === status) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the workflow never reported ${status}`);
}

const withoutNotices = (names: string[]) => names.filter((n) => n !== 'notifyOperator');

/** When each payment poll ran, in seconds after the run started, read from its history. */
async function pollTimes(handle: WorkflowHandle): Promise<number[]> {
  const events = (await handle.fetchHistory()).events!;
  const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
  const start = ms(events[0].eventTime);
  return events
    .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'queryPayment')
    .map((e) => Math.round((ms(e.eventTime) - start) / 1000));
}

describe('the order saga, branch by branch (time-skipping server, real default durations, activities mocked)', () => {
  it('delivered: the payment signal → one delivery step → DELIVERED → the buyer is emailed', async () => {
    const { input, calls, names } = order();
    const handle = await start(input);
    await handle.signal(paymentReceivedSignal, paymentFor(input));
    expect(await handle.result()).toEqual({ status: 'DELIVERED' });
    expect(names()).toEqual(['deliverPayment', 'sendBuyerEmail']);
    expect(calls[0].arg).toMatchObject({ orderNo: input.order.orderNo, quantity: 1, payment: { tradeNo: `T-${input.order.orderNo}` } });
    expect(calls[1].arg).toEqual({ orderNo: input.order.orderNo, kind: 'delivery' });
  });

  it('expired: nobody pays; the channel is asked after 30 s, then less and less often, once more at the deadline; then the trade is closed', async () => {
    const { input, names } = order();
    const handle = await start(input);
    expect(await handle.result()).toEqual({ status: 'EXPIRED' });
    // Polls back off (30 s, 1, 2, 4 min, then every 4 min) so unpaid orders cannot exhaust a channel's
    // rate limit: at 0:30, 1:30, 3:30, 7:30, 11:30, and the last look at 15:00.
    // (Within a second: the first timer starts when the first workflow task completes, which on a busy
    // machine is a real-time second or so after the run started.)
    const polled = await pollTimes(handle);
    const expected = [30, 90, 210, 450, 690, 900];
    expect(polled).toHaveLength(expected.length);
    polled.forEach((at, i) =>
      expect({ at, expected: expected[i], withinASecond: Math.abs(at - expected[i]) <= 1 }).toEqual({ at, expected: expected[i], withinASecond: true }),
    );
    expect(names().slice(-2)).toEqual(['closeTrade', 'markClosed']);
    expect(names()).not.toContain('sendBuyerEmail');
  });

  it('cancelled before payment: the cancel Update closes the trade and answers CANCELLED', async () => {
    const { input, calls, names } = order();
    const handle = await start(input);
    const view = await handle.executeUpdate(cancelUpdate, { args: [{ actor: 'buyer', note: 'changed my mind' }] });
    expect(view.status).toBe('CANCELLED');
    expect(await handle.result()).toEqual({ status: 'CANCELLED' });
    expect(names()).toEqual(['closeTrade', 'markClosed']);
    expect(calls[1].arg).toMatchObject({ as: 'CANCELLED', actor: 'buyer', note: 'changed my mind' });
  });

  it('paid at the deadline: the callback was lost, the last look finds the payment, and it is delivered, not expired', async () => {
    let looks = 0;
    const input = orderInput();
    const { names } = saga.mock(input.order.orderNo, { queryPayment: async () => (++looks === 6 ? paymentFor(input, { source: 'poll' }) : null) });
    expect(await (await start(input)).result()).toEqual({ status: 'DELIVERED' });
    expect(names().slice(-2)).toEqual(['deliverPayment', 'sendBuyerEmail']);
    expect(names()).not.toContain('closeTrade');
  });

  it('amount mismatch → NEEDS_REVIEW (kept, never delivered) → staff approve → DELIVERED', async () => {
    const { input, calls, names } = order();
    const handle = await start(input);
    await handle.signal(paymentReceivedSignal, paymentFor(input, { amountCents: 1 }));
    await untilStatus(handle, 'NEEDS_REVIEW');
    const approved = await handle.executeUpdate(approveUpdate, { args: [{ actor: 'staff:alice', note: 'checked the bank' }] });
    expect(approved.status).toBe('DELIVERED');
    expect(await handle.result()).toEqual({ status: 'DELIVERED' });
    expect(calls.find((c) => c.name === 'recordPayment')?.arg).toMatchObject({ reviewReason: 'amount mismatch: paid 1, order is 5000 (cents)' });
    expect(withoutNotices(names())).toEqual(['recordPayment', 'recordAction', 'reserveAndIssue', 'sendBuyerEmail']);
    expect(calls.find((c) => c.name === 'notifyOperator')?.arg).toMatchObject({ event: 'order.needs_review', orderNo: input.order.orderNo });
  });

  it('amount mismatch → NEEDS_REVIEW → staff refund → REFUNDED, and the buyer is told', async () => {
    const { input, calls } = order();
    const handle = await start(input);
    await handle.signal(paymentReceivedSignal, paymentFor(input, { currency: 'USD' }));
    await untilStatus(handle, 'NEEDS_REVIEW');
    await handle.executeUpdate(refundUpdate, { args: [{ actor: 'staff:bob', note: 'wrong currency' }] });
    expect(await handle.result()).toEqual({ status: 'REFUNDED', reason: 'refunded by staff:bob: wrong currency' });
    expect(calls.find((c) => c.name === 'refundOrder')?.arg).toMatchObject({ actor: 'staff:bob' });
    expect(calls.find((c) => c.name === 'sendBuyerEmail')?.arg).toMatchObject({ kind: 'refund' });
  });

  it('out of stock → AWAITING_STOCK → an import within RESTOCK_WAIT wakes it → DELIVERED', async () => {
    const { input, names } = order({ deliverPayment: async () => SHORT });
    const handle = await start(input);
    await handle.signal(paymentReceivedSignal, paymentFor(input));
    await untilStatus(handle, 'AWAITING_STOCK');
    await env.sleep(6 * MINUTE);
    await handle.signal(restockedSignal);
    expect(await handle.result()).toEqual({ status: 'DELIVERED' });
    expect(names()).toEqual(['deliverPayment', 'markAwaitingStock', 'reserveAndIssue', 'sendBuyerEmail']);
  });

  it('out of stock and no import within the 10 min RESTOCK_WAIT → the compensation refunds it', async () => {
    const { input, calls, names } = order({ deliverPayment: async () => SHORT, reserveAndIssue: async () => SHORT });
    const handle = await start(input);
    await handle.signal(paymentReceivedSignal, paymentFor(input));
    expect(await handle.result()).toEqual({ status: 'REFUNDED', reason: 'out of stock: no 1 key(s) of steam-50 within the restock wait' });
    expect(withoutNotices(names())).toEqual(['deliverPayment', 'markAwaitingStock', 'reserveAndIssue', 'refundOrder', 'sendBuyerEmail']);
    expect(calls.find((c) => c.name === 'sendBuyerEmail')?.arg.kind).toBe('refund');
  });

  it('keys the database refuses to sell (KeysNotSellable, no retry) → restock wait → refunded', async () => {
    const fail = async () => {
      throw notSellable();
    };
    const { input, names } = order({ deliverPayment: fail, reserveAndIssue: fail });
    const handle = await start(input);
    await handle.signal(paymentReceivedSignal, paymentFor(input));
    expect(await handle.result()).toEqual({ status: 'REFUNDED', reason: 'keys could not be issued: a key was taken away' });
    expect(names().filter((n) => n === 'deliverPayment')).toHaveLength(1);
    expect(names()).toContain('refundOrder');
  });

  it('a database outage is retried until the database answers: delivered, never refunded', async () => {
    let attempts = 0;
    const { input, names } = order({
      deliverPayment: async () => {
        if (++attempts <= 4) throw ApplicationFailure.retryable('the database is unavailable: ECONNREFUSED', 'DatabaseUnavailable');
        return DELIVERED;
      },
    });
    const handle = await start(input);
    await handle.signal(paymentReceivedSignal, paymentFor(input));
    expect(await handle.result()).toEqual({ status: 'DELIVERED' });
    expect(attempts).toBe(5);
    expect(names()).not.toContain('refundOrder');
  });

  it('a refused refund → NEEDS_REVIEW; the operator is reminded daily and the run ends after REVIEW_WAIT, still in review', async () => {
    const { input, calls, names } = order({
      deliverPayment: async () => SHORT,
      reserveAndIssue: async () => SHORT,
      refundOrder: async () => {
        throw refused();
      },
    });
    const handle = await start(input);
    await handle.signal(paymentReceivedSignal, paymentFor(input));
    expect(await handle.result()).toEqual({ status: 'NEEDS_REVIEW', reason: 'refund failed: Epay refused the refund: trade closed' });
    expect(names()).toContain('markNeedsReview');
    // Notices are runs of their own: they may finish just after the order.
    for (let i = 0; i < 200 && calls.filter((c) => c.name === 'notifyOperator').length < 7; i++) await new Promise((r) => setTimeout(r, 25));
    const notices = calls.filter((c) => c.name === 'notifyOperator').map((c) => c.arg.detail as string);
    expect(notices).toContain('refund failed: Epay refused the refund: trade closed');
    // Reminders at 1, 2, … 6 days; the seventh day ends the wait.
    expect(notices.filter((d) => d.startsWith('still waiting for staff'))).toHaveLength(6);
  });

  it('paid just as the deadline passed: the channel refuses to close the trade, it is asked, and the payment is delivered (not left waiting)', async () => {
    const input = orderInput();
    const { names, calls } = saga.mock(input.order.orderNo, {
      closeTrade: async () => ({ paid: paymentFor(input, { source: 'poll', tradeNo: 'T-AT-CLOSE' }) }),
    });
    expect(await (await start(input)).result()).toEqual({ status: 'DELIVERED' });
    expect(names().slice(-3)).toEqual(['closeTrade', 'deliverPayment', 'sendBuyerEmail']);
    // The close activity asked the channel itself: that answer is the proof, nothing else is needed.
    expect(calls.find((c) => c.name === 'deliverPayment')?.arg).toMatchObject({ payment: { tradeNo: 'T-AT-CLOSE' }, proof: { kind: 'poll' } });
    expect(names()).not.toContain('markClosed');
  });

  it('a channel that keeps refusing the close (not paid): the order closes anyway, boundedly, and a later payment is settled as late', async () => {
    const { input, names } = order({
      closeTrade: async () => {
        throw ApplicationFailure.nonRetryable('Alipay could not close: ACQ.SYSTEM_ERROR', 'CloseRefused');
      },
    });
    expect(await (await start(input)).result()).toEqual({ status: 'EXPIRED' });
    expect(names().filter((n) => n === 'closeTrade')).toHaveLength(1);
    expect(names().slice(-1)).toEqual(['markClosed']);
  });

  it('a forged payment signal (nothing confirms it) changes nothing: recorded, ignored, and the real payment is delivered after it', async () => {
    const input = orderInput();
    let attempts = 0;
    const { calls, names } = saga.mock(input.order.orderNo, {
      deliverPayment: async (arg: { payment: { tradeNo: string } }) => {
        attempts += 1;
        if (arg.payment.tradeNo === 'T-FORGED') throw unverified();
        return DELIVERED;
      },
    });
    const handle = await start(input);
    await handle.signal(paymentReceivedSignal, paymentFor(input, { tradeNo: 'T-FORGED' }));
    for (let i = 0; i < 200 && attempts < 1; i++) await new Promise((r) => setTimeout(r, 25));
    expect((await handle.query(statusQuery)).status).toBe('AWAITING_PAYMENT');
    await handle.signal(paymentReceivedSignal, paymentFor(input, { notificationId: 42 }));
    expect(await handle.result()).toEqual({ status: 'DELIVERED' });
    // A signal's claim to be anything but a signal is never believed: checked with the channel, or the inbox row.
    // (A workflow task may run its local activities again: each is idempotent, so only the distinct calls count.)
    const proofs = new Set(calls.filter((c) => c.name === 'deliverPayment').map((c) => JSON.stringify(c.arg.proof)));
    expect([...proofs]).toEqual([JSON.stringify({ kind: 'ask-channel' }), JSON.stringify({ kind: 'inbox', notificationId: 42 })]);
    expect(names()).not.toContain('refundExtraPayment');
    expect((await handle.query(statusQuery)).timeline.map((t) => t.note).join('\n')).toContain('ignored a payment report nothing confirms');
  });

  it('a signal the workflow cannot read (an unencrypted payload decodes to a marker) is recorded and ignored', async () => {
    const { input, calls } = order();
    const handle = await start(input);
    await handle.signal(paymentReceivedSignal, { keyflowRejected: 'an unencrypted payload' } as never);
    await handle.signal(paymentReceivedSignal, paymentFor(input, { notificationId: 7 }));
    expect(await handle.result()).toEqual({ status: 'DELIVERED' });
    expect(calls.find((c) => c.name === 'recordUnreadablePayment')?.arg).toMatchObject({ reason: 'a payment signal that is not a readable payment report' });
  });

  it('paid twice: the first payment is delivered, the second refunded, the order untouched', async () => {
    const { input, calls, names } = order();
    const handle = await start(input);
    await handle.signal(paymentReceivedSignal, paymentFor(input));
    await handle.signal(paymentReceivedSignal, paymentFor(input, { tradeNo: 'T-SECOND' }));
    await handle.signal(paymentReceivedSignal, paymentFor(input)); // the first again: a duplicate, ignored
    expect(await handle.result()).toEqual({ status: 'DELIVERED' });
    expect(names().filter((n) => n === 'deliverPayment')).toHaveLength(1);
    expect(calls.filter((c) => c.name === 'refundExtraPayment').map((c) => c.arg.payment.tradeNo)).toEqual(['T-SECOND']);
  });
});

describe('the runs that take over a closed order (time-skipping server, activities mocked)', () => {
  const run = <A extends [unknown]>(workflow: (...args: A) => Promise<unknown>, id: string, ...args: A) =>
    env.client.workflow.execute(workflow as any, { args, taskQueue: saga.taskQueue, workflowId: id });

  it('a late payment under LATE_PAYMENT_POLICY=fulfil is delivered', async () => {
    const { input, names } = order();
    expect(await run(latePaymentWorkflow, `late-${input.order.orderNo}`, { ...input, payment: paymentFor(input) })).toEqual({ status: 'DELIVERED' });
    expect(names()).toEqual(['loadOrder', 'deliverPayment', 'sendBuyerEmail']);
  });

  it('a late payment under LATE_PAYMENT_POLICY=refund is recorded and refunded', async () => {
    const { input, names } = order({}, { latePaymentPolicy: 'refund' });
    expect(await run(latePaymentWorkflow, `late-${input.order.orderNo}`, { ...input, payment: paymentFor(input) })).toEqual({
      status: 'REFUNDED',
      reason: 'late payment (policy: refund)',
    });
    expect(withoutNotices(names())).toEqual(['loadOrder', 'recordPayment', 'refundOrder', 'sendBuyerEmail']);
  });

  it('a late payment for an order another trade already settled is refunded as a second payment; no second delivery email', async () => {
    const { input, names } = order({ loadOrder: async () => ({ status: 'DELIVERED', reason: null }), deliverPayment: async () => ({ secondPayment: true }) });
    expect(await run(latePaymentWorkflow, `late-${input.order.orderNo}`, { ...input, payment: paymentFor(input, { tradeNo: 'T-LATE-2' }) })).toEqual({
      status: 'DELIVERED',
    });
    expect(names()).toEqual(['loadOrder', 'deliverPayment', 'refundExtraPayment']);
  });

  it('a support refund of a delivered order refunds it', async () => {
    const { input, names } = order({ loadOrder: async () => ({ status: 'DELIVERED', reason: null }) });
    expect(
      await run(supportActionWorkflow, `support-${input.order.orderNo}`, { ...input, action: 'refund', request: { actor: 'staff:alice', note: 'chargeback' } }),
    ).toEqual({ status: 'REFUNDED', reason: 'refunded by staff:alice: chargeback' });
    expect(withoutNotices(names())).toEqual(['loadOrder', 'recordAction', 'refundOrder', 'sendBuyerEmail']);
  });

  it('a support action the state does not allow fails the run and does nothing', async () => {
    const { input, names } = order({ loadOrder: async () => ({ status: 'EXPIRED', reason: null }) });
    await expect(
      run(supportActionWorkflow, `support-${input.order.orderNo}`, { ...input, action: 'resend', request: { actor: 'staff:alice' } }),
    ).rejects.toThrow(/failed/);
    expect(names()).toEqual(['loadOrder']);
  });

  it('a support resend while mail is down is refused after 15 s of tries ("try again later"), not retried for as long as mail is down', async () => {
    const { input, names } = order({
      loadOrder: async () => ({ status: 'DELIVERED', reason: null }),
      sendBuyerEmail: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:25');
      },
    });
    const handle = await env.client.workflow.start(supportActionWorkflow, {
      args: [{ ...input, action: 'resend', request: { actor: 'staff:alice' } }],
      taskQueue: saga.taskQueue,
      workflowId: `support-${input.order.orderNo}`,
    });
    const failure = await handle.result().catch((error: Error) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(rootCauseMessage(failure)).toBe('the mail server did not take the email within 15 s; nothing was sent, try again later');
    // Tried a few times (1 s, 2 s, 4 s apart), all within the 15 s.
    const tries = names().filter((n) => n === 'sendBuyerEmail').length;
    expect(tries).toBeGreaterThanOrEqual(3);
    expect(tries).toBeLessThanOrEqual(6);
    const events = (await handle.fetchHistory()).events!;
    const seconds = (e: (typeof events)[number]) => Number(e.eventTime?.seconds ?? 0);
    expect(seconds(events.at(-1)!) - seconds(events[0])).toBeLessThanOrEqual(20);
  });

  it('recovery: a paid order whose run is gone is delivered', async () => {
    const { input, names } = order({ loadOrder: async () => ({ status: 'PAID', reason: null }) }, { paymentDeadlineMs: 0 });
    expect(await run(recoveryWorkflow, `recover-${input.order.orderNo}`, input)).toEqual({ status: 'DELIVERED' });
    expect(names()).toEqual(['loadOrder', 'reserveAndIssue', 'sendBuyerEmail']);
  });

  it('recovery: an unpaid order past its deadline gets one look at the channel and is closed', async () => {
    const { input, names } = order({ loadOrder: async () => ({ status: 'AWAITING_PAYMENT', reason: null }) }, { paymentDeadlineMs: 0 });
    expect(await run(recoveryWorkflow, `recover-${input.order.orderNo}`, input)).toEqual({ status: 'EXPIRED' });
    expect(names()).toEqual(['loadOrder', 'queryPayment', 'closeTrade', 'markClosed']);
  });
});
