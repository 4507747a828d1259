import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { restockedSignal } from '../workflows/order-messages';
import { orderWorkflowId } from '../workflows/workflow-ids';

/** After a key import: wake the orders waiting for this SKU, oldest payment first. Best effort. */
export async function wakeWaitingOrders(db: Db, temporal: Client, sku: string): Promise<number> {
  const waiting = await db.order.findMany({
    where: { sku, status: 'AWAITING_STOCK' },
    orderBy: { paidAt: 'asc' },
    select: { orderNo: true, workflowId: true },
    take: 500,
  });
  let woken = 0;
  for (const order of waiting) {
    try {
      await temporal.workflow.getHandle(order.workflowId ?? orderWorkflowId(order.orderNo)).signal(restockedSignal);
      woken += 1;
    } catch {
      // A workflow that cannot be signalled is found by reconciliation; the import itself succeeded.
    }
  }
  return woken;
}
