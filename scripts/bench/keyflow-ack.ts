// The acknowledgement time as Keyflow's own callbacks process measured it
// (`keyflow_callback_ack_seconds`, from the request's arrival to the answer written), beside the
// gateway's figure, which also counts the sandbox's own event loop and the network. Where the two
// differ, the time was spent outside Keyflow's process.

/** Cumulative count per bucket bound (seconds), summed over channels and outcomes. */
export type AckBuckets = Map<number, number>;

export async function readAckBuckets(metricsUrl: string): Promise<AckBuckets> {
  const buckets: AckBuckets = new Map();
  // No callbacks process (a public notify URL was configured): no figure, rather than no bench.
  const response = await fetch(metricsUrl).catch(() => undefined);
  if (!response?.ok) return buckets;
  const text = await response.text();
  for (const line of text.split('\n')) {
    const match = /^keyflow_callback_ack_seconds_bucket\{.*le="([^"]+)".*\}\s+(\d+(?:\.\d+)?)$/.exec(line);
    if (!match) continue;
    const bound = match[1] === '+Inf' ? Infinity : Number(match[1]);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(match[2]));
  }
  return buckets;
}

export interface KeyflowAck {
  acks: number;
  /** Share of acknowledgements answered within 50 ms, in percent. */
  within50MsPct: number;
  /** The smallest bucket bound (ms) under which 99% of them were answered: the p99 rounded up to a bucket. */
  p99AtMostMs: number | null;
}

/** What happened between two readings of the histogram. */
export function keyflowAck(before: AckBuckets, after: AckBuckets): KeyflowAck {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counted = new Map(bounds.map((b) => [b, (after.get(b) ?? 0) - (before.get(b) ?? 0)]));
  const acks = counted.get(Infinity) ?? 0;
  const within50 = counted.get(0.05) ?? 0;
  const p99Bound = bounds.find((b) => (counted.get(b) ?? 0) >= acks * 0.99);
  return {
    acks,
    within50MsPct: acks ? Math.round((within50 / acks) * 1000) / 10 : 0,
    p99AtMostMs: acks && p99Bound !== undefined && Number.isFinite(p99Bound) ? Math.round(p99Bound * 1000) : null,
  };
}
