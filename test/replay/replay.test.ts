import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { dataConverterFor } from '../../src/temporal/encryption-codec';
import { replayCodecKeys } from './replay-key';

const DIR = path.join(__dirname, 'histories');

const GENERATIONS = readdirSync(DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

/** Every recorded history (`npm run record-histories`), of every generation, replays against today's code. */
describe.each(GENERATIONS)('replaying recorded histories: %s', (generation) => {
  const dir = path.join(DIR, generation);
  const workflowIds: Record<string, string> = JSON.parse(readFileSync(path.join(dir, 'workflow-ids.json'), 'utf8'));
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'workflow-ids.json')
    .sort();

  it('has a history for every recorded scenario', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'delivered.json',
        'expired.json',
        'duplicate-payment.json',
        'needs-review-refund-refused.json',
        'out-of-stock-refunded.json',
        'late-payment-delivered.json',
        'cancelled.json',
        'reconcile.json',
        'archive.json',
        'restocked-delivered.json',
        'support-refund-delivered.json',
        'recovery-delivered.json',
        'late-payment-paid-twice.json',
        'delivered-essential.json',
        'deferred-emails.json',
        'support-refund-refused.json',
        'delivered-traced.json',
      ]),
    );
  });

  it('replays all of them without non-determinism', async () => {
    const histories = files.map((file) => ({
      workflowId: workflowIds[file.replace(/\.json$/, '')],
      history: historyFromJSON(JSON.parse(readFileSync(path.join(dir, file), 'utf8'))),
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
    const json = JSON.parse(readFileSync(path.join(dir, 'delivered.json'), 'utf8'));
    // Drop the last event that records a step: today's code would issue a command the history lacks.
    const index = json.events.findLastIndex((e: any) => e.activityTaskScheduledEventAttributes || e.markerRecordedEventAttributes);
    json.events.splice(index, 1);
    json.events.forEach((e: any, i: number) => (e.eventId = String(i + 1)));
    const [result] = await collect(
      Worker.runReplayHistories({ workflowBundle: { codePath: process.env.KEYFLOW_WORKFLOW_BUNDLE! }, dataConverter: dataConverterFor(replayCodecKeys()) }, [
        { workflowId: 'tampered', history: historyFromJSON(json) },
      ]),
    );
    expect(String(result.error)).toMatch(/[Nn]ondeterminism|DeterminismViolation/);
  });
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}
