import { ResendBackoff } from '../../src/degrade/resend-backoff';

describe('when a deferred email that came back may go to a batch again', () => {
  it('hands an order at once the first time, then after 30 s, 60 s, … up to 5 min, and forgets it once it is no longer due', () => {
    const backoff = new ResendBackoff({ firstMs: 30_000, maxMs: 300_000 });
    let now = 1_000_000;
    expect(backoff.ready(['A', 'B'], now)).toEqual(['A', 'B']);
    backoff.handedOver(['A', 'B'], now);
    // B was sent; A came back.
    now += 10_000;
    expect(backoff.ready(['A', 'C'], now)).toEqual(['C']);
    backoff.handedOver(['C'], now);
    now += 20_000;
    expect(backoff.ready(['A'], now)).toEqual(['A']);
    const gaps: number[] = [];
    let last = now;
    backoff.handedOver(['A'], now);
    for (let step = 0; step < 3_600 && gaps.length < 6; step += 1) {
      now += 1_000;
      if (backoff.ready(['A'], now).length === 0) continue;
      gaps.push(now - last);
      last = now;
      backoff.handedOver(['A'], now);
    }
    expect(gaps).toEqual([60_000, 120_000, 240_000, 300_000, 300_000, 300_000]);
    // Sent at last: it is forgotten, and if it were ever due again it would go at once.
    expect(backoff.ready([], now)).toEqual([]);
    expect(backoff.ready(['A'], now)).toEqual(['A']);
  });
});
