// Every workflow id Keyflow uses, in one place. The order's own run is `order-<orderNo>` and is never
// reused; work on a closed order runs under an id derived from it, so the Web UI lists them together.

const stamp = (at: Date) => at.getTime().toString(36);

export const orderWorkflowId = (orderNo: string) => `order-${orderNo}`;

/** One run per channel trade: the same late payment reported twice is settled once. */
export const latePaymentWorkflowId = (orderNo: string, channel: string, tradeNo: string) => `order-${orderNo}-late-${channel}-${tradeNo}`;

export const supportActionWorkflowId = (orderNo: string, action: string, at: Date) => `order-${orderNo}-${action}-${stamp(at)}`;

export const recoveryWorkflowId = (orderNo: string, at: Date) => `order-${orderNo}-recover-${stamp(at)}`;

export const orderLinkWorkflowId = (orderNo: string, at: Date) => `order-${orderNo}-link-${stamp(at)}`;

/** The batch of delivery emails runs at degrade level essential deferred: one batch at a time. */
export const DEFERRED_EMAILS_WORKFLOW_ID = 'deferred-delivery-emails';

/** An operator notice started by a run; `key` names the event (never a position in a list that can grow). */
export const operatorNoticeWorkflowId = (parentWorkflowId: string, key: string) => `${parentWorkflowId}-notice-${key}`;

/** An operator notice of a payment channel instance changing state. */
export const channelNoticeWorkflowId = (channel: string, state: string, at: Date) => `channel-${channel}-${state}-${stamp(at)}`;

/** A sale's prewarm run for one SKU. */
export const prewarmWorkflowId = (sku: string, at: Date) => `prewarm-${sku}-${stamp(at)}`;

/** The order number inside any of the ids above. */
export function orderNoOfWorkflowId(workflowId: string): string | undefined {
  return /^order-([A-Za-z0-9]{6,32})(?:-|$)/.exec(workflowId)?.[1];
}
