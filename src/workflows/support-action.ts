import { ApplicationFailure } from '@temporalio/workflow';
import { steps } from './activity-proxies';
import { OrderRecord } from './order/record';
import { ACTION_ALLOWED, StaffActions } from './order/staff-actions';
import { finish } from './order/finish';
import type { OrderResult, SupportActionInput } from './types';

/**
 * A staff action (approve, refund, resend) on an order whose own run has closed
 * (id `order-<orderNo>-<action>-<time>`): it takes the state the database has and acts.
 */
export async function supportActionWorkflow(input: SupportActionInput): Promise<OrderResult> {
  const record = new OrderRecord(input, 'DELIVERED');
  const actions = new StaffActions(record);
  actions.install();
  const facts = await steps.loadOrder({ orderNo: input.order.orderNo });
  record.resume(facts.status, facts.reason);
  const { from } = ACTION_ALLOWED[input.action];
  if (!from.includes(record.status)) {
    throw ApplicationFailure.nonRetryable(`cannot ${input.action} an order in ${record.status}`, 'ActionNotAllowed');
  }
  await actions.perform(input.action, input.request);
  // Staff wait on this run for their answer: an action that leaves the order in review (a refused
  // refund) ends it, and the next action on the order starts another support run.
  return finish(record, [], { reviewWait: false });
}
