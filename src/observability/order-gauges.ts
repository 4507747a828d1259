import client from 'prom-client';
import type { Db } from '../db/client';
import { countDeliveryEmailsOwed, DELIVERY_EMAIL_HORIZON_MS } from '../db/delivery-email-owed';
import { registry } from './metrics';

/** A delivery email is normally out within seconds; retries through a short mail blip take a few minutes. */
const EMAIL_LATE_MS = 5 * 60_000;

/** Orders waiting right now, read from the database at scrape time (served by the API). */
export function registerOrderGauges(db: Db): void {
  const gauge = (name: string, help: string, status: 'AWAITING_PAYMENT' | 'AWAITING_STOCK' | 'PAID' | 'NEEDS_REVIEW') =>
    new client.Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.set(await db.order.count({ where: { status } }));
      },
    });
  // The latest API server in this process is the one scraped (tests start several in turn).
  for (const name of ['keyflow_orders_awaiting_payment', 'keyflow_orders_awaiting_stock', 'keyflow_orders_awaiting_delivery', 'keyflow_orders_needs_review'])
    registry.removeSingleMetric(name);
  gauge('keyflow_orders_awaiting_payment', 'Orders waiting for the buyer to pay', 'AWAITING_PAYMENT');
  gauge('keyflow_orders_awaiting_stock', 'Paid orders waiting for a key import', 'AWAITING_STOCK');
  gauge('keyflow_orders_awaiting_delivery', 'Paid orders not yet delivered', 'PAID');
  gauge('keyflow_orders_needs_review', 'Orders waiting for staff', 'NEEDS_REVIEW');
  registry.removeSingleMetric('keyflow_delivery_emails_waiting');
  new client.Gauge({
    name: 'keyflow_delivery_emails_waiting',
    help: `Delivered orders whose delivery email has not gone out ${EMAIL_LATE_MS / 60_000} minutes on, among the last ${DELIVERY_EMAIL_HORIZON_MS / 86_400_000} days' (mail down, or deferred at degrade level essential); refused addresses not counted`,
    registers: [registry],
    async collect() {
      const now = Date.now();
      this.set(await countDeliveryEmailsOwed(db, { after: new Date(now - DELIVERY_EMAIL_HORIZON_MS), before: new Date(now - EMAIL_LATE_MS) }));
    },
  });
}
