import { ApplicationFailure } from '@temporalio/common';
import { InvalidTransitionError, isDatabaseUnavailable, KeysNotSellableError, OrderNotFoundError, UnverifiedPaymentError } from '../db/errors';
import { causeInBrief } from '../error-text';

/** Failure types workflow code and retry policies name (src/workflows/activity-proxies.ts). */
export const FAILURE = {
  orderNotFound: 'OrderNotFound',
  invalidTransition: 'InvalidOrderTransition',
  keysNotSellable: 'KeysNotSellable',
  databaseUnavailable: 'DatabaseUnavailable',
  unverifiedPayment: 'UnverifiedPayment',
} as const;

/**
 * The domain's errors as Temporal failures. The database layer knows nothing of Temporal, so this
 * is where a refused move becomes non-retryable and an outage becomes "retry until it answers".
 */
export function asActivityFailure(error: unknown): unknown {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof OrderNotFoundError) return ApplicationFailure.nonRetryable(error.message, FAILURE.orderNotFound);
  if (error instanceof InvalidTransitionError) return ApplicationFailure.nonRetryable(error.message, FAILURE.invalidTransition);
  if (error instanceof KeysNotSellableError) return ApplicationFailure.nonRetryable(error.message, FAILURE.keysNotSellable);
  if (error instanceof UnverifiedPaymentError) return ApplicationFailure.nonRetryable(error.message, FAILURE.unverifiedPayment);
  if (isDatabaseUnavailable(error))
    return ApplicationFailure.retryable(`the database is unavailable: ${causeInBrief(error, 200)}`, FAILURE.databaseUnavailable);
  return error;
}

type ActivityFunctions = Record<string, (...args: any[]) => Promise<unknown>>;

/** Every activity of the set, with its errors mapped by asActivityFailure. */
export function withTypedFailures<T extends ActivityFunctions>(activities: T): T {
  const wrapped: ActivityFunctions = {};
  for (const [name, run] of Object.entries(activities)) {
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await run(...args);
      } catch (error) {
        throw asActivityFailure(error);
      }
    };
  }
  return wrapped as T;
}
