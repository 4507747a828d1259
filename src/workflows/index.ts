// Bundle entry for the worker: every workflow type Keyflow runs.
export { orderWorkflow } from './order';
export { sendOrderLinkWorkflow } from './order-link';
export { reconcileWorkflow } from './reconcile';
export { operatorNoticeWorkflow } from './operator-notice';
