import { nextDegradeLevel } from '../../src/degrade/degrade-controller';
import { pollIntervalAt } from '../../src/degrade/degrade-levels';

const t = { leanAtMs: 30_000, essentialAtMs: 120_000, calmMs: 60_000 };
const at = (s: number) => new Date(1_000_000 + s * 1000);

describe('the degrade switch in auto mode', () => {
  it('rises straight to the level the lag calls for', () => {
    expect(nextDegradeLevel({ level: 'normal', calmSince: null }, 31_000, at(0), t)).toMatchObject({ level: 'lean', reason: 'delivery lag 31 s over 30 s' });
    expect(nextDegradeLevel({ level: 'normal', calmSince: null }, 121_000, at(0), t)).toMatchObject({ level: 'essential' });
    expect(nextDegradeLevel({ level: 'lean', calmSince: at(-50) }, 121_000, at(0), t)).toEqual({
      level: 'essential',
      calmSince: null,
      reason: 'delivery lag 121 s over 120 s',
    });
    expect(nextDegradeLevel({ level: 'normal', calmSince: null }, 30_000, at(0), t)).toEqual({ level: 'normal', calmSince: null });
  });

  it('comes down one level at a time, only after the lag stays under half the threshold for the calm spell', () => {
    // Under the threshold but not under half of it: no calm yet (no flapping at the edge).
    expect(nextDegradeLevel({ level: 'lean', calmSince: null }, 20_000, at(0), t)).toEqual({ level: 'lean', calmSince: null });
    const calm = nextDegradeLevel({ level: 'lean', calmSince: null }, 10_000, at(0), t);
    expect(calm).toEqual({ level: 'lean', calmSince: at(0) });
    expect(nextDegradeLevel(calm, 10_000, at(59), t)).toEqual({ level: 'lean', calmSince: at(0) });
    // A lag back over half the threshold restarts the spell.
    expect(nextDegradeLevel(calm, 16_000, at(59), t)).toEqual({ level: 'lean', calmSince: null });
    expect(nextDegradeLevel(calm, null, at(60), t)).toMatchObject({ level: 'normal', calmSince: null });
    // From essential, calm means under 60 s: it steps to lean, never straight to normal.
    expect(nextDegradeLevel({ level: 'essential', calmSince: at(0) }, 0, at(60), t)).toMatchObject({ level: 'lean', calmSince: null });
    expect(nextDegradeLevel({ level: 'essential', calmSince: null }, 50_000, at(0), t)).toEqual({ level: 'essential', calmSince: at(0) });
  });

  it('stretches the polling of unpaid orders, and leaves polling off off', () => {
    expect([pollIntervalAt('normal', 30_000), pollIntervalAt('lean', 30_000), pollIntervalAt('essential', 30_000), pollIntervalAt('essential', 0)]).toEqual([
      30_000, 60_000, 120_000, 0,
    ]);
  });
});
