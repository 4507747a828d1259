import type { ActivityDeps } from './deps';
import { orderPageUrl } from '../api/links';
import { centsToDecimal } from '../payments/money';

export type BuyerEmailKind = 'delivery' | 'resend' | 'refund' | 'link';

const EVENT_TYPE: Record<BuyerEmailKind, string> = {
  delivery: 'EMAIL_SENT',
  resend: 'EMAIL_RESENT',
  refund: 'EMAIL_REFUND_SENT',
  link: 'EMAIL_LINK_SENT',
};

export function createBuyerEmailActivities({ db, cipher, accessTokens, mailer, publicBaseUrl, clock }: ActivityDeps) {
  return {
    /**
     * Emails the buyer. Runs after the state it reports is recorded, so a mail outage only delays
     * the email. `delivery` and `refund` are sent once per order; `resend` and `link` every time asked.
     */
    async sendBuyerEmail({ orderNo, kind }: { orderNo: string; kind: BuyerEmailKind }): Promise<'sent' | 'already-sent'> {
      const order = await db.order.findUniqueOrThrow({
        where: { orderNo },
        include: { skuRef: true, cardKeys: { where: { status: 'SOLD' }, orderBy: { id: 'asc' } } },
      });
      if (kind === 'delivery' && order.emailedAt) return 'already-sent';
      if (kind === 'refund' && (await db.orderEvent.count({ where: { orderNo, type: EVENT_TYPE.refund } })) > 0) return 'already-sent';

      const link = orderPageUrl(publicBaseUrl, orderNo, accessTokens.issue(orderNo));
      const item = `${order.skuRef.name} × ${order.quantity}`;
      let subject: string;
      let body: string[];
      if (kind === 'refund') {
        subject = `Your order ${orderNo} was refunded`;
        body = [`Your order ${orderNo} (${item}) was refunded: ${centsToDecimal(order.amountCents)} ${order.currency}.`, order.statusReason ? `Reason: ${order.statusReason}` : '', '', `Order page: ${link}`];
      } else if (kind === 'link') {
        subject = `Your order link for ${orderNo}`;
        body = [`Here is the link to your order ${orderNo} (${item}):`, link, '', 'Keep this link private: it shows your keys.'];
      } else {
        const keys = order.cardKeys.map((key, i) => `  ${i + 1}. ${cipher.decrypt(key.secret)}`).join('\n');
        subject = `Your order ${orderNo}: ${item}`;
        body = [`Thank you for your order ${orderNo}.`, '', `${item}:`, keys, '', `Your order page (keep this link private): ${link}`];
      }
      await mailer.send({ to: order.email, subject, text: body.join('\n'), messageId: `<${kind}-${orderNo}-${kind === 'delivery' || kind === 'refund' ? 'once' : Date.now()}@keyflow>` });
      const at = clock();
      await db.$transaction([
        ...(kind === 'delivery' ? [db.order.update({ where: { orderNo }, data: { emailedAt: at } })] : []),
        db.orderEvent.create({ data: { orderNo, type: EVENT_TYPE[kind], actor: 'system', message: `${kind} email sent`, createdAt: at } }),
      ]);
      return 'sent';
    },
  };
}
