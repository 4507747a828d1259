import { PendingSignals } from '../../src/payments/pending-signals';
import type { Logger } from '../../src/logging';

function recordingLogger() {
  const errors: Array<{ fields: Record<string, unknown>; message: string }> = [];
  const logger = { error: (fields: Record<string, unknown>, message: string) => errors.push({ fields, message }) } as unknown as Logger;
  return { logger, errors };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('PendingSignals', () => {
  it('returns the result of a signal that settles within the wait', async () => {
    const { logger } = recordingLogger();
    const signals = new PendingSignals(1000, logger);
    await expect(signals.within(Promise.resolve('signalled'), {})).resolves.toBe('signalled');
    expect(signals.size).toBe(0);
  });

  it('stops waiting after the wait but keeps the signal until it settles, and drain waits for it', async () => {
    const { logger } = recordingLogger();
    const signals = new PendingSignals(20, logger);
    const slow = deferred<string>();
    await expect(signals.within(slow.promise, {})).resolves.toBeUndefined();
    expect(signals.size).toBe(1);
    let drained = false;
    const draining = signals.drain().then(() => (drained = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(drained).toBe(false);
    slow.resolve('signalled');
    await draining;
    expect(signals.size).toBe(0);
  });

  it('does not wait at all with a zero wait', async () => {
    const { logger } = recordingLogger();
    const signals = new PendingSignals(0, logger);
    await expect(signals.within(Promise.resolve('signalled'), {})).resolves.toBeUndefined();
    await signals.drain();
  });

  it('logs a failure that comes after the answer once, with its context, and drain still completes', async () => {
    const { logger, errors } = recordingLogger();
    const signals = new PendingSignals(10, logger);
    const failing = deferred<string>();
    await expect(signals.within(failing.promise, { orderNo: 'KF1' })).resolves.toBeUndefined();
    failing.reject(new Error('database went away'));
    await signals.drain();
    expect(errors).toHaveLength(1);
    expect(errors[0].fields).toMatchObject({ orderNo: 'KF1' });
    expect(errors[0].message).toMatch(/inbox relay will retry/);
  });

  it('passes a failure within the wait to the caller (and logs it)', async () => {
    const { logger, errors } = recordingLogger();
    const signals = new PendingSignals(1000, logger);
    await expect(signals.within(Promise.reject(new Error('boom')), {})).rejects.toThrow('boom');
    expect(errors).toHaveLength(1);
  });
});
