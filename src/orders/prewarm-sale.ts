import { WorkflowFailedError } from '@temporalio/client';
import { DEFAULT_POOL_MAX } from '../db/client';
import { warmDatabase, type WarmUp } from '../activities/prewarm';
import { readStockPicture } from '../stock/stock-holds';
import { stockBySku } from '../stock/import-keys';
import { errorMessage, firstLine } from '../error-text';
import { runPrewarm } from './order-runs';
import type { PlaceOrderDeps } from './place-order';

export interface PrewarmReport {
  sku: string;
  available: number;
  /** Keys open unpaid orders are expected to take (stock holds). */
  heldByOpenOrders: number;
  soldOut: boolean;
  api: WarmUp;
  worker: WarmUp | { error: string };
  /** A round trip to Temporal over the API's connection. */
  temporalMs: number;
  /** The channel instances routing would choose from now, with their state. */
  channels: Array<{ name: string; state: string }>;
}

/**
 * Before a sale: everything the first order of the burst would otherwise pay for on the way. This
 * API process's database pool filled and the SKU's keys read (a sold-out SKU is remembered, so the
 * crowd is refused from memory), the channel health routing uses loaded, a Temporal round trip made,
 * and one run through a worker that does the same for the worker's pool. Each API process warms only
 * itself: behind a load balancer, call it once per process (or a few times).
 */
export async function prewarmSale(deps: PlaceOrderDeps, sku: string): Promise<PrewarmReport> {
  const { db, clock } = deps;
  const api = await warmDatabase(db, sku, DEFAULT_POOL_MAX);
  const picture = await readStockPicture(db, sku, 1, clock());
  const stock = await stockBySku(db, sku);
  if (stock.AVAILABLE === 0) deps.stockRefusals.remember(sku, { kind: 'sold-out' });
  const channels = (await deps.router.statuses()).map(({ name, state }) => ({ name, state }));
  const sent = Date.now();
  await deps.temporal.workflowService.getSystemInfo({});
  const temporalMs = Date.now() - sent;
  let worker: PrewarmReport['worker'];
  try {
    worker = await runPrewarm(deps, sku, DEFAULT_POOL_MAX);
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) throw error;
    worker = {
      error: `no worker finished the prewarm run in time (is one running on ${deps.config.temporal.taskQueue}?): ${firstLine(errorMessage(error), 200)}`,
    };
  }
  return {
    sku,
    available: stock.AVAILABLE,
    heldByOpenOrders: picture.held,
    soldOut: stock.AVAILABLE === 0,
    api,
    worker,
    temporalMs,
    channels,
  };
}
