import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import type { Activities } from '../../src/activities';
import type { Delivery } from '../../src/activities/delivery';
import type { OperatorNotice } from '../../src/activities/operator-webhook';
import { TEMPORAL_TEST_SERVER } from '../../src/paths';
import { dataConverterFor } from '../../src/temporal/encryption-codec';
import { INDEXED_TYPE } from '../../src/temporal/register-search-attributes';
import { ORDER_SEARCH_ATTRIBUTES } from '../../src/workflows/search-attributes';
import type { OrderFacts, OrderPolicy, OrderRunInput, PaymentReport } from '../../src/workflows/types';

// The order saga on Temporal's time-skipping test server, with every activity mocked per test:
// each branch runs with the real default durations (15 min deadline, 10 min restock wait), skipped.

export const CODEC_KEYS = [{ id: 'saga', key: Buffer.alloc(32, 7) }];

export const MINUTE = 60_000;

/** The defaults of docs/design.md, as a run receives them. */
export const DEFAULT_POLICY: OrderPolicy = {
  paymentDeadlineMs: 15 * MINUTE,
  paymentPollIntervalMs: 30_000,
  latePaymentPolicy: 'fulfil',
  restockWaitMs: 10 * MINUTE,
  lowStockThreshold: 5,
  operatorWebhook: true,
  reviewReminderMs: 24 * 60 * MINUTE,
  reviewWaitMs: 7 * 24 * 60 * MINUTE,
};

export function orderInput(policy: Partial<OrderPolicy> = {}): OrderRunInput {
  const orderNo = `K${randomBytes(6).toString('hex').toUpperCase()}`;
  const order: OrderFacts = { orderNo, sku: 'steam-50', skuName: 'Steam 50', quantity: 1, amountCents: 5000, currency: 'CNY', channel: 'epay' };
  return { order, policy: { ...DEFAULT_POLICY, ...policy } };
}

export function paymentFor(input: OrderRunInput, overrides: Partial<PaymentReport> = {}): PaymentReport {
  return { channel: 'epay', tradeNo: `T-${input.order.orderNo}`, amountCents: input.order.amountCents, currency: 'CNY', source: 'callback', ...overrides };
}

export const DELIVERED: Delivery = { delivered: true, keyIds: [1], remaining: 10 };
export const SHORT: Delivery = { delivered: false, available: 0 };

export const unverified = () => ApplicationFailure.nonRetryable('epay trade T-FORGED matches no verified notification', 'UnverifiedPayment');
export const notSellable = () => ApplicationFailure.nonRetryable('keys could not be issued: a key was taken away', 'KeysNotSellable');
export const refused = () => ApplicationFailure.nonRetryable('Epay refused the refund: trade closed', 'RefundRefused');

/** Every call each mocked activity received, in order, with its argument. */
export type Calls = Array<{ name: string; arg: any }>;

type Mock = (arg: any) => Promise<unknown>;
export type Overrides = Partial<Record<keyof Activities, Mock>>;

/** The happy path: nothing paid yet at the channel, keys in stock, every call succeeds. */
const DEFAULTS: Overrides = {
  queryPayment: async () => null,
  deliverPayment: async () => DELIVERED,
  reserveAndIssue: async () => DELIVERED,
  recordPayment: async () => undefined,
  markAwaitingStock: async () => undefined,
  markNeedsReview: async () => undefined,
  recordAction: async () => undefined,
  closeTrade: async () => ({ closed: true }),
  markClosed: async () => undefined,
  recordUnreadablePayment: async () => undefined,
  refundOrder: async () => ({ refundNo: 'R-1' }),
  refundExtraPayment: async () => undefined,
  sendBuyerEmail: async () => 'sent',
  loadOrder: async () => ({ status: 'EXPIRED', reason: null }),
  notifyOperator: async (_notice: OperatorNotice) => 'sent',
};

/**
 * One worker for a test file, whose activities answer per order: each test registers its order's
 * mocks and reads back the calls made for that order. One long-lived worker, because the operator
 * notices an order starts are child runs that may finish after the order itself.
 */
export class SagaWorker {
  readonly taskQueue = `saga-${randomBytes(4).toString('hex')}`;
  private readonly orders = new Map<string, { overrides: Overrides; calls: Calls }>();
  private worker?: Worker;
  private running?: Promise<void>;

  constructor(private readonly env: TestWorkflowEnvironment) {}

  async start(): Promise<void> {
    const activities = Object.fromEntries(
      Object.keys(DEFAULTS).map((name) => [
        name,
        async (arg: { orderNo?: string }) => {
          const entry = this.orders.get(arg.orderNo ?? '');
          if (!entry) throw new Error(`no mocks registered for order ${arg.orderNo}`);
          entry.calls.push({ name, arg });
          return (entry.overrides[name as keyof Activities] ?? DEFAULTS[name as keyof Activities])!(arg);
        },
      ]),
    );
    this.worker = await Worker.create({
      connection: this.env.nativeConnection,
      taskQueue: this.taskQueue,
      activities,
      workflowBundle: { codePath: process.env.KEYFLOW_WORKFLOW_BUNDLE! },
      dataConverter: dataConverterFor(CODEC_KEYS),
    });
    this.running = this.worker.run();
  }

  /** The mocks for one order; `names()` lists the activities called for it, in order. */
  mock(orderNo: string, overrides: Overrides = {}) {
    const calls: Calls = [];
    this.orders.set(orderNo, { overrides, calls });
    return { calls, names: () => calls.map((c) => c.name) };
  }

  async stop(): Promise<void> {
    this.worker?.shutdown();
    await this.running;
  }
}

let runtimeInstalled = false;

export async function createSagaEnv(): Promise<TestWorkflowEnvironment> {
  if (!runtimeInstalled) {
    runtimeInstalled = true;
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  }
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: TEMPORAL_TEST_SERVER } },
    client: { dataConverter: dataConverterFor(CODEC_KEYS) },
  });
  // The test server has no ListSearchAttributes; adding them is enough.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(ORDER_SEARCH_ATTRIBUTES.map((key) => [key.name, INDEXED_TYPE[key.type]])),
  });
  return env;
}
