/**
 * How Keyflow judges a payment channel instance: a score for routing and a state with hysteresis.
 * Pure functions of what was observed, so the rules can be tested from recorded events.
 */

export type HealthState = 'healthy' | 'degraded' | 'down';

/** What Keyflow saw of one instance recently; a rate is null where there is too little to judge. */
export interface ChannelStats {
  /** Orders paid within their deadline, over recent orders whose outcome is known. */
  successRate: number | null;
  /** From the channel's own payment time to the notification reaching Keyflow. */
  callbackLatencyMs: { p50: number | null; p99: number | null };
  /** Recent payments that only polling found: their notification never arrived. */
  callbackLossRate: number | null;
  /** Recent calls to it (create, query, close, refund) that failed or timed out. */
  errorRate: number | null;
}

/** What happened since the instance entered its current state: the only evidence for leaving it. */
export interface FreshEvidence {
  probeOk: boolean;
  calls: number;
  failedCalls: number;
  payments: number;
  lostCallbacks: number;
}

export interface HealthRecord {
  state: HealthState;
  stateSince: Date;
  /** Consecutive failed probes; reset by a good one. */
  probeFailures: number;
  /** Consecutive good probes; reset by a failed one. */
  probeSuccesses: number;
}

export const HEALTH_RULES = {
  /** Enough calls or payments for a rate to mean something. */
  minSamples: 5,
  /** Two failed probes in a row: down (one: degraded). An unreachable instance is down within two probe intervals. */
  probeFailuresForDown: 2,
  errorRateForDown: 0.5,
  errorRateForDegraded: 0.2,
  lossRateForDegraded: 0.5,
  /** Back from down on good probes, to `degraded` first: a small share of traffic, not all of it. */
  probeSuccessesForBack: 2,
  probeSuccessesForHealthy: 3,
  /** Leaving `degraded` needs clearly better than what put it there (hysteresis). */
  errorRateForHealthy: 0.1,
  lossRateForHealthy: 0.2,
  /** Callback latency that costs no score, and the latency that costs all of its share. */
  latencyFreeMs: 10_000,
  latencyWorstMs: 120_000,
  /** The share of routing weight a degraded instance keeps. */
  degradedShare: 0.1,
} as const;

const rate = (part: number, whole: number) => (whole >= HEALTH_RULES.minSamples ? part / whole : null);

/**
 * Between 0 and 1: the mean of what is known of payment success, callback delivery and latency,
 * call errors, and the last probe. Null when nothing is known yet.
 */
export function healthScore(stats: ChannelStats, lastProbeOk: boolean | null): number | null {
  const { p50 } = stats.callbackLatencyMs;
  const latency = p50 === null ? null : 1 - clamp((p50 - HEALTH_RULES.latencyFreeMs) / (HEALTH_RULES.latencyWorstMs - HEALTH_RULES.latencyFreeMs));
  const parts = [
    stats.successRate,
    stats.callbackLossRate === null ? null : 1 - stats.callbackLossRate,
    stats.errorRate === null ? null : 1 - stats.errorRate,
    latency,
    lastProbeOk === null ? null : lastProbeOk ? 1 : 0,
  ].filter((p): p is number => p !== null);
  return parts.length === 0 ? null : parts.reduce((a, b) => a + b, 0) / parts.length;
}

export interface HealthStep {
  record: HealthRecord;
  /** Set when the state changed, with the reason an operator reads. */
  change?: { from: HealthState; to: HealthState; reason: string };
}

/** The next record after one probe round, given what happened since the state began. */
export function nextHealth(record: HealthRecord, evidence: FreshEvidence, now: Date): HealthStep {
  const probeFailures = evidence.probeOk ? 0 : record.probeFailures + 1;
  const probeSuccesses = evidence.probeOk ? record.probeSuccesses + 1 : 0;
  const errorRate = rate(evidence.failedCalls, evidence.calls);
  const lossRate = rate(evidence.lostCallbacks, evidence.payments);
  const counted = { ...record, probeFailures, probeSuccesses };
  // A new state earns its way out from scratch: good probes before the change do not count twice.
  const to = (state: HealthState, reason: string): HealthStep => ({
    record: { state, stateSince: now, probeFailures, probeSuccesses: 0 },
    change: { from: record.state, to: state, reason },
  });
  const callsFailing = (threshold: number) => errorRate !== null && errorRate >= threshold;
  const failedCallsText = () => `${evidence.failedCalls} of its last ${evidence.calls} calls failed`;

  if (record.state !== 'down') {
    if (probeFailures >= HEALTH_RULES.probeFailuresForDown) return to('down', `${probeFailures} probes in a row failed`);
    if (callsFailing(HEALTH_RULES.errorRateForDown)) return to('down', failedCallsText());
  }
  if (record.state === 'healthy') {
    if (probeFailures > 0) return to('degraded', 'a probe failed');
    if (callsFailing(HEALTH_RULES.errorRateForDegraded)) return to('degraded', failedCallsText());
    if (lossRate !== null && lossRate >= HEALTH_RULES.lossRateForDegraded)
      return to('degraded', `${evidence.lostCallbacks} of its last ${evidence.payments} payments came without a notification`);
  }
  if (record.state === 'down' && probeSuccesses >= HEALTH_RULES.probeSuccessesForBack) return to('degraded', `${probeSuccesses} probes in a row answered`);
  if (
    record.state === 'degraded' &&
    probeSuccesses >= HEALTH_RULES.probeSuccessesForHealthy &&
    (errorRate ?? 0) < HEALTH_RULES.errorRateForHealthy &&
    (lossRate ?? 0) < HEALTH_RULES.lossRateForHealthy
  ) {
    return to('healthy', `${probeSuccesses} probes in a row answered and its calls succeed`);
  }
  return { record: counted };
}

/** How much of the routed traffic an instance should draw, before normalising; 0 takes none. */
export function routingWeight(weight: number, state: HealthState, score: number | null): number {
  if (state === 'down') return 0;
  return weight * (score ?? 1) * (state === 'degraded' ? HEALTH_RULES.degradedShare : 1);
}

function clamp(x: number): number {
  return Math.min(1, Math.max(0, x));
}
