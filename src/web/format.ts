import { centsToDecimal } from '../payments/money';
import type { Locale } from './locale';

const SYMBOLS: Record<string, string> = { CNY: '¥', USD: '$', EUR: '€', HKD: 'HK$' };

/** An amount as a buyer reads it: ¥ 10.00, or 10.00 XYZ for a currency without a symbol. */
export function formatMoney(cents: number, currency: string): string {
  const symbol = SYMBOLS[currency];
  return symbol ? `${symbol} ${centsToDecimal(cents)}` : `${centsToDecimal(cents)} ${currency}`;
}

/** A moment in the buyer's language, in Beijing time for zh-CN (the shop's home) and UTC otherwise. */
export function formatTime(iso: string, locale: Locale): string {
  const timeZone = locale === 'zh-CN' ? 'Asia/Shanghai' : 'UTC';
  const text = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium', timeZone }).format(new Date(iso));
  return locale === 'zh-CN' ? text : `${text} UTC`;
}
