import express from 'express';
import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/client';
import type { CardKeyCipher } from '../../crypto/card-key-cipher';
import type { Mailer } from '../../mail/mailer';
import type { EpayChannel } from '../../payments/epay';

export interface SyncPipelineDeps {
  db: Db;
  cipher: CardKeyCipher;
  mailer: Mailer;
  epay: EpayChannel;
  publicBaseUrl: string;
}

/**
 * The seed article's "传统模式", built honestly for the benchmark: the notify handler itself
 * verifies, reserves, issues and emails inside the request, as the most-used open-source card
 * shops do. Same database, same SMTP sink, same Epay sandbox as Keyflow. Not used by Keyflow.
 */
export function createSyncPipeline({ db, cipher, mailer, epay, publicBaseUrl }: SyncPipelineDeps): express.Express {
  const app = express();
  app.use(express.json());

  app.post('/orders', async (req, res) => {
    const { sku, email } = req.body as { sku: string; email: string };
    const skuRow = await db.sku.findUnique({ where: { sku } });
    if (!skuRow) return res.status(404).json({ error: 'unknown sku' });
    const orderNo = `B${Date.now().toString(36).toUpperCase()}${randomBytes(4).toString('hex').toUpperCase()}`;
    const expiresAt = new Date(Date.now() + 15 * 60_000);
    await db.order.create({
      data: {
        orderNo,
        sku,
        quantity: 1,
        unitPriceCents: skuRow.priceCents,
        amountCents: skuRow.priceCents,
        currency: skuRow.currency,
        email,
        channel: 'epay',
        status: 'AWAITING_PAYMENT',
        expiresAt,
      },
    });
    const { payUrl } = await epay.createPayment({
      orderNo,
      amountCents: skuRow.priceCents,
      currency: skuRow.currency,
      subject: skuRow.name,
      notifyUrl: `${publicBaseUrl}/notify`,
      returnUrl: `${publicBaseUrl}/done`,
      expiresAt,
    });
    res.status(201).json({ orderNo, payUrl });
  });

  app.get('/notify', async (req, res) => {
    const parsed = epay.parseNotification({ method: 'GET', query: req.query as Record<string, string>, headers: {}, rawBody: Buffer.alloc(0) });
    if (parsed.verdict !== 'verified' || !parsed.paid) return res.status(400).send('fail');
    try {
      const order = await db.order.findUnique({ where: { orderNo: parsed.orderNo } });
      if (!order) return res.status(400).send('fail');
      if (order.status === 'DELIVERED') return res.send('success');
      if (order.amountCents !== parsed.amountCents) return res.status(400).send('fail');
      const keyIds = await db.$transaction(async (tx) => {
        const free = await tx.$queryRaw<
          Array<{ id: number }>
        >`SELECT "id" FROM "CardKey" WHERE "sku" = ${order.sku} AND "status" = 'AVAILABLE' ORDER BY "id" LIMIT 1 FOR UPDATE SKIP LOCKED`;
        if (free.length === 0) return [];
        const now = new Date();
        await tx.cardKey.updateMany({ where: { id: free[0].id }, data: { status: 'SOLD', orderNo: order.orderNo, reservedAt: now, soldAt: now } });
        await tx.payment.create({
          data: { orderNo: order.orderNo, channel: 'epay', tradeNo: parsed.tradeNo, amountCents: parsed.amountCents, currency: 'CNY', paidAt: now },
        });
        await tx.order.update({ where: { orderNo: order.orderNo }, data: { status: 'DELIVERED', paidAt: now, deliveredAt: now } });
        return free.map((f) => f.id);
      });
      if (keyIds.length === 0) return res.status(500).send('out of stock');
      const keys = await db.cardKey.findMany({ where: { id: { in: keyIds } } });
      // The whole chain waits for the mail server: this is the step that blocks everything.
      await mailer.send({ to: order.email, subject: `Your order ${order.orderNo}`, text: keys.map((k) => cipher.decrypt(k.secret)).join('\n') });
      res.send('success');
    } catch {
      res.status(500).send('fail');
    }
  });
  return app;
}
