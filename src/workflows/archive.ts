import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ArchiveStep } from '../activities/archive';

const steps = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
});

export interface ArchiveInput extends ArchiveStep {
  /** Batches already moved in this run chain (continue-as-new keeps the history small). */
  batches?: number;
}

/** Batches per run before it continues as new; a first run over a long history takes several. */
const BATCHES_PER_RUN = 50;

/**
 * One archiving run, started by its Schedule: settled orders older than ARCHIVE_AFTER move out of
 * the hot tables a batch (one short transaction) at a time, until none is left.
 */
export async function archiveWorkflow(input: ArchiveInput): Promise<{ archived: number }> {
  let archived = 0;
  for (let batch = 0; batch < BATCHES_PER_RUN; batch += 1) {
    const result = await steps.archiveSettledOrders({ olderThanMs: input.olderThanMs, batchSize: input.batchSize });
    archived += result.archived;
    if (!result.more) return { archived };
  }
  return continueAsNew<typeof archiveWorkflow>({ ...input, batches: (input.batches ?? 0) + BATCHES_PER_RUN });
}
