import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { OrderView, PaymentReport } from './types';

export const paymentReceivedSignal = defineSignal<[PaymentReport]>('paymentReceived');
export const statusQuery = defineQuery<OrderView>('status');
