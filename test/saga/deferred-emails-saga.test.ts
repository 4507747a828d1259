import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { deferredDeliveryEmailsWorkflow } from '../../src/workflows/deferred-emails';
import { DEFERRED_EMAILS_WORKFLOW_ID } from '../../src/workflows/workflow-ids';
import { createSagaEnv, SagaWorker, type Overrides } from '../support/saga';

let env: TestWorkflowEnvironment;
let saga: SagaWorker;
beforeAll(async () => {
  env = await createSagaEnv();
  saga = new SagaWorker(env);
  await saga.start();
});
afterAll(async () => {
  await saga?.stop();
  await env?.teardown();
});

const addressRefused: Overrides = { sendBuyerEmail: async () => 'rejected' };

const mailDown: Overrides = {
  sendBuyerEmail: async () => {
    throw new Error('connect ECONNREFUSED 127.0.0.1:25');
  },
};

function orders(prefix: string, count: number, overrides: (i: number) => Overrides = () => ({})) {
  return Array.from({ length: count }, (_, i) => {
    const orderNo = `${prefix}${String(i).padStart(4, '0')}`;
    return { orderNo, ...saga.mock(orderNo, overrides(i)) };
  });
}

const runBatch = (orderNos: string[]) =>
  env.client.workflow.execute(deferredDeliveryEmailsWorkflow, { args: [{ orderNos }], taskQueue: saga.taskQueue, workflowId: DEFERRED_EMAILS_WORKFLOW_ID });

describe('the deferred delivery emails, one batch per run (time-skipping server, activities mocked)', () => {
  it('sends each order’s delivery email once, and leaves one that keeps failing for a later batch without holding up the others', async () => {
    const batch = orders('KDEFOK', 12, (i) => (i === 3 ? mailDown : i === 5 ? addressRefused : {}));
    expect(await runBatch(batch.map((o) => o.orderNo))).toEqual({ sent: 10, refused: [batch[5].orderNo], failed: [batch[3].orderNo], notTried: 0 });
    // A refused address is an answer, not a failure: asked once, like a sent one.
    expect(batch.map((o) => o.names().length)).toEqual(batch.map((_, i) => (i === 3 ? 3 : 1)));
    expect(batch[0].calls[0].arg).toEqual({ orderNo: batch[0].orderNo, kind: 'delivery' });
  });

  it('stops at the first group whose every email failed: the mail server is down, and the rest wait for a later batch', async () => {
    const batch = orders('KDEFDOWN', 25, () => mailDown);
    expect(await runBatch(batch.map((o) => o.orderNo))).toEqual({ sent: 0, refused: [], failed: batch.slice(0, 10).map((o) => o.orderNo), notTried: 15 });
    expect(batch.slice(10).every((o) => o.names().length === 0)).toBe(true);
  });
});
