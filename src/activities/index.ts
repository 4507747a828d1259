import type { ActivityDeps } from './deps';
import { createPaymentActivities } from './payment';
import { createClosingActivities } from './closing';
import { createOrderStateActivities } from './order-state';
import { createDeliveryActivities } from './delivery';
import { createBuyerEmailActivities } from './buyer-email';
import { createPaymentQueryActivities } from './payment-query';
import { createExtraPaymentActivities, createRefundActivities } from './refund';
import { createReconciliationActivities } from './reconciliation';
import { createOperatorWebhookActivities } from './operator-webhook';
import { createPrewarmActivities } from './prewarm';
import { createArchiveActivities } from './archive';
import { withTypedFailures } from './failures';

export type { ActivityDeps } from './deps';

/** All order activities, bound to their dependencies. Registered once per worker. */
export function createActivities(deps: ActivityDeps) {
  return withTypedFailures({
    ...createPaymentActivities(deps),
    ...createClosingActivities(deps),
    ...createOrderStateActivities(deps),
    ...createDeliveryActivities(deps),
    ...createBuyerEmailActivities(deps),
    ...createPaymentQueryActivities(deps),
    ...createRefundActivities(deps),
    ...createExtraPaymentActivities(deps),
    ...createReconciliationActivities(deps),
    ...createOperatorWebhookActivities(deps),
    ...createPrewarmActivities(deps),
    ...createArchiveActivities(deps),
  });
}

export type Activities = ReturnType<typeof createActivities>;
