import type { ActivityDeps } from './deps';
import { createPaymentActivities } from './payment';
import { createStockActivities } from './stock';
import { createDeliveryEmailActivities } from './delivery-email';
import { createPaymentQueryActivities } from './payment-query';

export type { ActivityDeps } from './deps';

/** All order activities, bound to their dependencies. Registered once per worker. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createPaymentActivities(deps),
    ...createStockActivities(deps),
    ...createDeliveryEmailActivities(deps),
    ...createPaymentQueryActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
