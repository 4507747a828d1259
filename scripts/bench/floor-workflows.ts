// Workflows for `npm run bench:floor`: what any workflow-per-order design costs on this machine, with
// none of Keyflow's work in it. The activity only notes when it ran.
import { condition, defineSignal, patched, proxyLocalActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { OrderStatusKey } from '../../src/workflows/search-attributes';

export interface FloorShape {
  /** One patch marker, as each new Keyflow run records. */
  patch: boolean;
  /** Wait for the signal under a timer (Keyflow's payment deadline) instead of forever. */
  timer: boolean;
  /** Local activities after the signal (Keyflow: deliver the payment, email). */
  steps: number;
  /** Status upserts among those steps (Keyflow: PAID, DELIVERED). */
  upserts: number;
}

export const paidSignal = defineSignal('paid');
const { step } = proxyLocalActivities<{ step(last: boolean): Promise<void> }>({ startToCloseTimeout: '10s' });

export async function floorWorkflow(shape: FloorShape): Promise<void> {
  if (shape.patch) patched('floor-patch');
  let paid = false;
  setHandler(paidSignal, () => void (paid = true));
  if (shape.timer) await condition(() => paid, '1h');
  else await condition(() => paid);
  for (let i = 0; i < shape.steps; i++) {
    await step(i === shape.steps - 1);
    if (i < shape.upserts) upsertSearchAttributes([{ key: OrderStatusKey, value: i === 0 ? 'PAID' : 'DELIVERED' }]);
  }
}
