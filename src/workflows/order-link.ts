import { mail } from './activity-proxies';

/** Mails the buyer their order link (to the order's own address only). */
export async function sendOrderLinkWorkflow({ orderNo }: { orderNo: string }): Promise<void> {
  await mail.sendBuyerEmail({ orderNo, kind: 'link' });
}
