// Bundle entry for the worker: every workflow type Keyflow runs, one per business process.
export { orderWorkflow } from './order';
export { latePaymentWorkflow } from './late-payment';
export { supportActionWorkflow } from './support-action';
export { recoveryWorkflow } from './recovery';
export { sendOrderLinkWorkflow } from './order-link';
export { deferredDeliveryEmailsWorkflow } from './deferred-emails';
export { reconcileWorkflow } from './reconcile';
export { operatorNoticeWorkflow } from './operator-notice';
export { prewarmWorkflow } from './prewarm';
export { archiveWorkflow } from './archive';
