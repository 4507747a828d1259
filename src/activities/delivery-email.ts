import type { ActivityDeps } from './deps';
import { orderPageUrl } from '../api/links';

export function createDeliveryEmailActivities({ db, cipher, accessTokens, mailer, publicBaseUrl, clock }: ActivityDeps) {
  return {
    /**
     * Emails the buyer their keys and order link. Runs after delivery is recorded, so a mail
     * outage only delays the email, never the delivery. Skips orders already emailed.
     */
    async sendDeliveryEmail({ orderNo }: { orderNo: string }): Promise<'sent' | 'already-sent'> {
      const order = await db.order.findUniqueOrThrow({
        where: { orderNo },
        include: { skuRef: true, cardKeys: { where: { status: 'SOLD' }, orderBy: { id: 'asc' } } },
      });
      if (order.emailedAt) return 'already-sent';
      const link = orderPageUrl(publicBaseUrl, orderNo, accessTokens.issue(orderNo));
      const keys = order.cardKeys.map((key, i) => `  ${i + 1}. ${cipher.decrypt(key.secret)}`).join('\n');
      await mailer.send({
        to: order.email,
        subject: `Your order ${orderNo}: ${order.quantity} × ${order.skuRef.name}`,
        text: [
          `Thank you for your order ${orderNo}.`,
          '',
          `${order.skuRef.name} × ${order.quantity}:`,
          keys,
          '',
          `Your order page (keep this link private): ${link}`,
        ].join('\n'),
        messageId: `<delivery-${orderNo}@keyflow>`,
      });
      const at = clock();
      await db.$transaction([
        db.order.update({ where: { orderNo }, data: { emailedAt: at } }),
        db.orderEvent.create({ data: { orderNo, type: 'EMAIL_SENT', actor: 'system', message: 'delivery email sent', createdAt: at } }),
      ]);
      return 'sent';
    },
  };
}
