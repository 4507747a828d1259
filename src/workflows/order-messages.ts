import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ActionRequest, OrderView, PaymentReport } from './types';

export const paymentReceivedSignal = defineSignal<[PaymentReport]>('paymentReceived');
/** A key import for the order's SKU: an order waiting for stock tries again. */
export const restockedSignal = defineSignal('restocked');
/** Staff changed the buyer's email: a live run that shows it in the Web UI (BuyerEmail) shows the new one. */
export const buyerEmailChangedSignal = defineSignal<[{ email: string }]>('buyerEmailChanged');
export const statusQuery = defineQuery<OrderView>('status');

export const cancelUpdate = defineUpdate<OrderView, [ActionRequest]>('cancel');
export const approveUpdate = defineUpdate<OrderView, [ActionRequest]>('approve');
export const refundUpdate = defineUpdate<OrderView, [ActionRequest]>('refund');
export const resendUpdate = defineUpdate<OrderView, [ActionRequest]>('resend');
