import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { WarmUp } from '../activities/prewarm';

const warm = proxyActivities<Activities>({ startToCloseTimeout: '10s', retry: { maximumAttempts: 1 } });

/**
 * Before a sale: one run through a worker (its workflow code loaded and a task slot used), whose
 * activity fills that worker's database pool and reads the SKU's keys. Started by the prewarm endpoint.
 */
export async function prewarmWorkflow({ sku, connections }: { sku: string; connections: number }): Promise<WarmUp> {
  return warm.warmWorker({ sku, connections });
}
