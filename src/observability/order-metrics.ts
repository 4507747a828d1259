import { observeTransitions, type MovedOrder, type Transition } from '../db/order-transition';
import { FINAL_STATES, metrics } from './metrics';

let observing = false;

/** Latency histograms and final-state counters from every order transition this process makes. */
export function observeOrderTransitions(): void {
  if (observing) return;
  observing = true;
  observeTransitions(record);
}

function record(t: Transition, order: MovedOrder): void {
  const seconds = (from: Date | null) => (from ? Math.max(0, t.at.getTime() - from.getTime()) / 1000 : undefined);
  if (t.to === 'PAID') {
    const s = seconds(order.createdAt);
    if (s !== undefined) metrics.createdToPaidSeconds.observe({ channel: order.channel }, s);
  }
  if (t.to === 'DELIVERED') {
    const s = seconds(order.paidAt);
    if (s !== undefined) metrics.paidToDeliveredSeconds.observe({ channel: order.channel }, s);
  }
  if (FINAL_STATES.has(t.to)) metrics.ordersFinal.inc({ state: t.to, channel: order.channel });
}
