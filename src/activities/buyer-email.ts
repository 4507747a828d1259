import type { ActivityDeps } from './deps';
import type { OrderEventType } from '../domain/order-event-type';
import { orderPageUrl } from '../links';
import { buyerEmailText } from '../mail/buyer-email-text';
import type { Locale } from '../domain/locale';
import { loadArchivedOrderWithSku } from '../db/archived-order';
import { recipientRefusal } from '../mail/recipient-refusal';
import { metrics } from '../observability/metrics';

export type BuyerEmailKind = 'delivery' | 'resend' | 'refund' | 'link';

const EVENT_TYPE: Record<BuyerEmailKind, OrderEventType> = {
  delivery: 'EMAIL_SENT',
  resend: 'EMAIL_RESENT',
  refund: 'EMAIL_REFUND_SENT',
  link: 'EMAIL_LINK_SENT',
};

interface EmailRow {
  email: string;
  quantity: number;
  amountCents: number;
  currency: string;
  statusReason: string | null;
  emailedAt: Date | null;
  tokenVersion: number;
  skuName: string;
  deliveryInstructions: string | null;
  locale: Locale | null;
  /** Null when the order has no sold key (a refund email). */
  secret: string | null;
}

async function archivedEmailRow(db: ActivityDeps['db'], orderNo: string): Promise<EmailRow | null> {
  const archived = await loadArchivedOrderWithSku(db, orderNo);
  if (!archived) return null;
  const { order, sku } = archived;
  return {
    ...order,
    locale: order.locale as Locale | null,
    skuName: sku?.name ?? order.sku,
    deliveryInstructions: sku?.deliveryInstructions ?? null,
    secret: null,
  };
}

export function createBuyerEmailActivities({ db, cipher, accessTokens, mailer, publicBaseUrl, clock }: ActivityDeps) {
  return {
    /**
     * Emails the buyer. Runs after the state it reports is recorded, so a mail outage only delays
     * the email. `delivery` and `refund` are sent once per order; `resend` and `link` every time asked.
     * An address the mail server refuses for good is 'rejected', on the timeline, and not tried again.
     * A resend may go `to` another address (the buyer mistyped theirs); the timeline names it.
     */
    async sendBuyerEmail({ orderNo, kind, to }: { orderNo: string; kind: BuyerEmailKind; to?: string }): Promise<'sent' | 'already-sent' | 'rejected'> {
      if (to !== undefined && kind !== 'resend') throw new Error(`a ${kind} email goes to the order's own address only`);
      // One statement for the order, its SKU's name and its sold keys (one row per key), where the
      // ORM would send three: this runs once per delivered order, on the hot path.
      const rows = await db.$queryRaw<EmailRow[]>`
        SELECT o."email", o."quantity", o."amountCents", o."currency", o."statusReason", o."emailedAt", o."tokenVersion", o."locale",
               s."name" AS "skuName", s."deliveryInstructions", k."secret"
        FROM "Order" o
        JOIN "Sku" s ON s."sku" = o."sku"
        LEFT JOIN "CardKey" k ON k."orderNo" = o."orderNo" AND k."status" = 'SOLD'
        WHERE o."orderNo" = ${orderNo}
        ORDER BY k."id"`;
      // A link may be asked for long after the order was archived; the archive has no keys to send.
      const archived = rows.length === 0 && kind === 'link' ? await archivedEmailRow(db, orderNo) : null;
      if (archived) rows.push(archived);
      if (rows.length === 0) throw new Error(`order ${orderNo} does not exist`);
      const order = rows[0];
      if (kind === 'delivery' && order.emailedAt) return 'already-sent';
      if (kind === 'refund' && (await db.orderEvent.count({ where: { orderNo, type: EVENT_TYPE.refund } })) > 0) return 'already-sent';

      const link = orderPageUrl(publicBaseUrl, orderNo, accessTokens.issue(orderNo, order.tokenVersion), order.locale ?? undefined);
      const keys = kind === 'delivery' || kind === 'resend' ? rows.filter((row) => row.secret !== null).map((row) => cipher.decrypt(row.secret!)) : [];
      const { subject, lines } = buyerEmailText(kind, order.locale ?? 'en', {
        orderNo,
        item: `${order.skuName} × ${order.quantity}`,
        amountCents: order.amountCents,
        currency: order.currency,
        statusReason: order.statusReason,
        link,
        keys,
        deliveryInstructions: order.deliveryInstructions,
      });
      try {
        await mailer.send({
          to: to ?? order.email,
          subject,
          text: lines.join('\n'),
          messageId: `<${kind}-${orderNo}-${kind === 'delivery' || kind === 'refund' ? 'once' : Date.now()}@keyflow>`,
        });
      } catch (error) {
        const refusal = recipientRefusal(error);
        if (refusal === undefined) throw error;
        metrics.buyerEmailsRefused.inc({ kind });
        // Another address refused is the staff member's answer (the Update fails), not a fact about the order's own.
        if (!archived && to === undefined) {
          const message = `the mail server refused the buyer's address for good (${refusal}): the ${kind} email was not sent`;
          await db.orderEvent.create({ data: { orderNo, type: 'EMAIL_REJECTED', actor: 'system', message, createdAt: clock() } });
        }
        return 'rejected';
      }
      const at = clock();
      const message = to ? `${kind} email sent to ${to}` : `${kind} email sent`;
      if (archived) return 'sent';
      if (kind === 'delivery') {
        // The sent mark and its timeline entry in one statement (and so one transaction).
        await db.$executeRaw`
          WITH emailed AS (UPDATE "Order" SET "emailedAt" = ${at}, "updatedAt" = ${at} WHERE "orderNo" = ${orderNo} RETURNING "orderNo")
          INSERT INTO "OrderEvent" ("orderNo", "type", "actor", "message", "createdAt")
          SELECT "orderNo", ${EVENT_TYPE[kind]}, 'system', ${message}, ${at} FROM emailed`;
      } else {
        await db.orderEvent.create({ data: { orderNo, type: EVENT_TYPE[kind], actor: 'system', message, createdAt: at } });
      }
      return 'sent';
    },
  };
}
