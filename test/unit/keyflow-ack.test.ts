import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { keyflowAck, readAckBuckets } from '../../scripts/bench/keyflow-ack';

// The histogram as prom-client exports it: cumulative buckets per label set.
const exposition = (counts: Record<string, [number, number, number, number]>) =>
  Object.entries(counts)
    .flatMap(([outcome, [le25, le50, le250, inf]]) =>
      [
        ['0.025', le25],
        ['0.05', le50],
        ['0.25', le250],
        ['+Inf', inf],
      ].map(([le, n]) => `keyflow_callback_ack_seconds_bucket{le="${le}",channel="epay",outcome="${outcome}"} ${n}`),
    )
    .concat(['keyflow_callback_ack_seconds_count{channel="epay",outcome="signalled"} 0', 'keyflow_callbacks_total 7'])
    .join('\n');

describe("the bench's reading of Keyflow's own acknowledgement histogram", () => {
  let server: http.Server;
  let body = '';
  let url = '';
  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end(body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sums the label sets, diffs two readings, and names the share within 50 ms and the p99 bucket', async () => {
    body = exposition({ signalled: [10, 20, 20, 20], 'signal-pending': [0, 0, 0, 0] });
    const before = await readAckBuckets(url);
    // 200 more answers: 150 within 50 ms, 45 more within 250 ms, 5 slower still (over 1%).
    body = exposition({ signalled: [110, 140, 185, 190], 'signal-pending': [0, 30, 30, 30] });
    const after = await readAckBuckets(url);
    expect(keyflowAck(before, after)).toEqual({ acks: 200, within50MsPct: 75, p99AtMostMs: null });
    // One of 200 slower than 250 ms: the p99 is in the 250 ms bucket.
    body = exposition({ signalled: [110, 140, 189, 190], 'signal-pending': [0, 30, 30, 30] });
    expect(keyflowAck(before, await readAckBuckets(url))).toMatchObject({ acks: 200, p99AtMostMs: 250 });
    // Every one within 50 ms.
    body = exposition({ signalled: [110, 190, 190, 190], 'signal-pending': [0, 30, 30, 30] });
    expect(keyflowAck(before, await readAckBuckets(url))).toEqual({ acks: 200, within50MsPct: 100, p99AtMostMs: 50 });
  });

  it('has no figure, rather than no bench, when there is no callbacks process to ask', async () => {
    const none = await readAckBuckets('http://127.0.0.1:1/metrics');
    expect(keyflowAck(none, none)).toEqual({ acks: 0, within50MsPct: 0, p99AtMostMs: null });
  });
});
