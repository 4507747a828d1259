import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { dataConverterFor } from '../../src/temporal/encryption-codec';
import { replayCodecKeys } from './replay-key';

const DIR = path.join(__dirname, 'histories');

/** Every recorded history (`npm run record-histories`) replays against today's workflow code. */
describe('replaying recorded histories', () => {
  const workflowIds: Record<string, string> = JSON.parse(readFileSync(path.join(DIR, 'workflow-ids.json'), 'utf8'));
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json') && f !== 'workflow-ids.json').sort();

  it('has a history for every recorded scenario', () => {
    expect(files).toEqual(
      expect.arrayContaining(['delivered.json', 'expired.json', 'duplicate-payment.json', 'needs-review-refund-refused.json', 'out-of-stock-refunded.json', 'late-payment-delivered.json', 'cancelled.json', 'reconcile.json']),
    );
  });

  it('replays all of them without non-determinism', async () => {
    const histories = files.map((file) => ({
      workflowId: workflowIds[file.replace(/\.json$/, '')],
      history: historyFromJSON(JSON.parse(readFileSync(path.join(DIR, file), 'utf8'))),
    }));
    const results = [];
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: { codePath: process.env.KEYFLOW_WORKFLOW_BUNDLE! }, dataConverter: dataConverterFor(replayCodecKeys()) },
      histories,
    )) {
      results.push({ workflowId: result.workflowId, error: result.error ? String(result.error) : undefined });
    }
    expect(results).toEqual(files.map((f) => ({ workflowId: workflowIds[f.replace(/\.json$/, '')], error: undefined })));
  });

  it('notices a history that does not match the code (the check can fail)', async () => {
    const json = JSON.parse(readFileSync(path.join(DIR, 'delivered.json'), 'utf8'));
    // Rename the first activity the workflow scheduled: today's code would schedule another one.
    const scheduled = json.events.find((e: any) => e.activityTaskScheduledEventAttributes);
    scheduled.activityTaskScheduledEventAttributes.activityType.name = 'someOtherActivity';
    const [result] = await collect(Worker.runReplayHistories(
      { workflowBundle: { codePath: process.env.KEYFLOW_WORKFLOW_BUNDLE! }, dataConverter: dataConverterFor(replayCodecKeys()) },
      [{ workflowId: 'tampered', history: historyFromJSON(json) }],
    ));
    expect(String(result.error)).toMatch(/[Nn]ondeterminism|DeterminismViolation/);
  });
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}
