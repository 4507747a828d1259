import { healthScore, nextHealth, routingWeight, type FreshEvidence, type HealthRecord, type HealthState } from '../../src/channels/health-model';

const quiet: FreshEvidence = { probeOk: true, calls: 0, failedCalls: 0, payments: 0, lostCallbacks: 0 };
const start: HealthRecord = { state: 'healthy', stateSince: new Date(0), probeFailures: 0, probeSuccesses: 0 };

/** Plays probe rounds one after another, as the prober would, and returns the states it went through. */
function play(rounds: Array<Partial<FreshEvidence>>, from: HealthRecord = start): { states: HealthState[]; reasons: string[]; record: HealthRecord } {
  let record = from;
  const states: HealthState[] = [];
  const reasons: string[] = [];
  rounds.forEach((round, i) => {
    const step = nextHealth(record, { ...quiet, ...round }, new Date((i + 1) * 15_000));
    record = step.record;
    states.push(record.state);
    if (step.change) reasons.push(`${step.change.from}→${step.change.to}: ${step.change.reason}`);
  });
  return { states, reasons, record };
}

describe('channel health: state changes from recorded probe rounds', () => {
  it('an unreachable instance is down after two failed probes, and comes back through degraded', () => {
    const { states, reasons } = play([{}, { probeOk: false }, { probeOk: false }, { probeOk: false }, {}, {}, {}, {}, {}]);
    expect(states).toEqual(['healthy', 'degraded', 'down', 'down', 'down', 'degraded', 'degraded', 'degraded', 'healthy']);
    expect(reasons).toEqual([
      'healthy→degraded: a probe failed',
      'degraded→down: 2 probes in a row failed',
      'down→degraded: 2 probes in a row answered',
      'degraded→healthy: 3 probes in a row answered and its calls succeed',
    ]);
  });

  it('a single good probe between failures does not bring a down instance back (hysteresis)', () => {
    const { states } = play([{ probeOk: false }, { probeOk: false }, {}, { probeOk: false }, {}, { probeOk: false }]);
    expect(states).toEqual(['degraded', 'down', 'down', 'down', 'down', 'down']);
  });

  it('failing calls take an instance down even while its probes answer; a few failures only degrade it', () => {
    expect(play([{ calls: 10, failedCalls: 6 }]).states).toEqual(['down']);
    expect(play([{ calls: 10, failedCalls: 3 }]).states).toEqual(['degraded']);
    // Too few calls to judge: one failure of two is noise.
    expect(play([{ calls: 2, failedCalls: 1 }]).states).toEqual(['healthy']);
  });

  it('stays degraded while its calls still fail or callbacks are lost, however good the probes', () => {
    const degraded: HealthRecord = { state: 'degraded', stateSince: new Date(0), probeFailures: 0, probeSuccesses: 5 };
    expect(play([{ calls: 20, failedCalls: 3 }], degraded).states).toEqual(['degraded']);
    expect(play([{ payments: 10, lostCallbacks: 3 }], degraded).states).toEqual(['degraded']);
    expect(play([{ calls: 20, failedCalls: 1, payments: 10, lostCallbacks: 1 }], degraded).states).toEqual(['healthy']);
  });

  it('lost callbacks degrade a healthy instance', () => {
    const { states, reasons } = play([{ payments: 8, lostCallbacks: 5 }]);
    expect(states).toEqual(['degraded']);
    expect(reasons[0]).toContain('5 of its last 8 payments came without a notification');
  });

  it('moves stateSince only on a change, so fresh evidence is counted from the change', () => {
    const { record } = play([{ probeOk: false }, {}, {}]);
    expect(record.state).toBe('degraded');
    expect(record.stateSince).toEqual(new Date(15_000));
  });
});

describe('channel health: score and routing weight', () => {
  const none = { successRate: null, callbackLatencyMs: { p50: null, p99: null }, callbackLossRate: null, errorRate: null };

  it('is null without data and the mean of what is known otherwise', () => {
    expect(healthScore(none, null)).toBeNull();
    expect(healthScore(none, true)).toBe(1);
    expect(healthScore(none, false)).toBe(0);
    expect(healthScore({ ...none, successRate: 0.9, errorRate: 0.1, callbackLossRate: 0.2 }, true)).toBeCloseTo((0.9 + 0.9 + 0.8 + 1) / 4);
  });

  it('costs nothing for callbacks within 10 s and everything from 2 minutes', () => {
    expect(healthScore({ ...none, callbackLatencyMs: { p50: 5_000, p99: 9_000 } }, null)).toBe(1);
    expect(healthScore({ ...none, callbackLatencyMs: { p50: 65_000, p99: 90_000 } }, null)).toBeCloseTo(0.5);
    expect(healthScore({ ...none, callbackLatencyMs: { p50: 300_000, p99: 300_000 } }, null)).toBe(0);
  });

  it('gives a down instance no traffic and a degraded one a tenth of its share', () => {
    expect(routingWeight(2, 'down', 1)).toBe(0);
    expect(routingWeight(2, 'healthy', 0.5)).toBe(1);
    expect(routingWeight(2, 'degraded', 0.5)).toBeCloseTo(0.1);
    expect(routingWeight(3, 'healthy', null)).toBe(3);
  });
});
