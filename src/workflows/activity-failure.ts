import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';

/**
 * Whether an activity call failed for good (its retries are spent or it said so). A remote
 * activity's failure arrives wrapped in ActivityFailure; a local activity's arrives bare, as the
 * ApplicationFailure (or TimeoutFailure) it ended with. Anything else is a bug in the workflow and
 * must fail the workflow task instead of being treated as a failed step.
 */
export function activityFailed(error: unknown): error is Error {
  return error instanceof ActivityFailure || error instanceof ApplicationFailure || error instanceof TimeoutFailure;
}
