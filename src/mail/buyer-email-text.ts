import type { Locale } from '../domain/locale';
import { buyerReason } from '../domain/buyer-view';
import { centsToDecimal } from '../payments/money';

// What the buyer's emails say, in the language they ordered in. Plain text: it reads the same in
// every mail client and carries nothing that loads from elsewhere.

export interface BuyerEmailFacts {
  orderNo: string;
  item: string;
  amountCents: number;
  currency: string;
  statusReason: string | null;
  link: string;
  keys: string[];
  deliveryInstructions: string | null;
}

export type BuyerEmailText = { subject: string; lines: string[] };
type Compose = (f: BuyerEmailFacts) => BuyerEmailText;

const numbered = (keys: string[]) => keys.map((key, i) => `  ${i + 1}. ${key}`).join('\n');
const money = (f: BuyerEmailFacts) => `${centsToDecimal(f.amountCents)} ${f.currency}`;

const TEXT: Record<Locale, Record<'delivery' | 'refund' | 'link', Compose>> = {
  en: {
    delivery: (f) => ({
      subject: `Your order ${f.orderNo}: ${f.item}`,
      lines: [
        `Thank you for your order ${f.orderNo}.`,
        '',
        `${f.item}:`,
        numbered(f.keys),
        ...(f.deliveryInstructions ? ['', 'How to use it:', f.deliveryInstructions] : []),
        '',
        `Your order page (keep this link private): ${f.link}`,
      ],
    }),
    refund: (f) => ({
      subject: `Your order ${f.orderNo} was refunded`,
      lines: [
        `Your order ${f.orderNo} (${f.item}) was refunded: ${money(f)}.`,
        `Reason: ${buyerReason('REFUNDED', f.statusReason, 'en')}`,
        '',
        `Order page: ${f.link}`,
      ],
    }),
    link: (f) => ({
      subject: `Your order link for ${f.orderNo}`,
      lines: [`Here is the link to your order ${f.orderNo} (${f.item}):`, f.link, '', 'Keep this link private: it shows your keys.'],
    }),
  },
  'zh-CN': {
    delivery: (f) => ({
      subject: `订单 ${f.orderNo}：${f.item}`,
      lines: [
        `感谢购买，订单号 ${f.orderNo}。`,
        '',
        `${f.item}：`,
        numbered(f.keys),
        ...(f.deliveryInstructions ? ['', '发货说明：', f.deliveryInstructions] : []),
        '',
        `订单页面（请勿泄露此链接）：${f.link}`,
      ],
    }),
    refund: (f) => ({
      subject: `订单 ${f.orderNo} 已退款`,
      lines: [
        `你的订单 ${f.orderNo}（${f.item}）已退款：${money(f)}。`,
        `原因：${buyerReason('REFUNDED', f.statusReason, 'zh-CN')}`,
        '',
        `订单页面：${f.link}`,
      ],
    }),
    link: (f) => ({
      subject: `订单 ${f.orderNo} 的链接`,
      lines: [`这是你的订单 ${f.orderNo}（${f.item}）的链接：`, f.link, '', '请勿泄露此链接：它会显示你的卡密。'],
    }),
  },
};

/** A resend is the delivery email again. */
export function buyerEmailText(kind: 'delivery' | 'resend' | 'refund' | 'link', locale: Locale, facts: BuyerEmailFacts): BuyerEmailText {
  return TEXT[locale][kind === 'resend' ? 'delivery' : kind](facts);
}
