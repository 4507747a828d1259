import { createHash } from 'node:crypto';
import { epaySign } from '../../src/payments/epay-signature';
import { EpayChannel } from '../../src/payments/epay';
import { centsToDecimal, decimalToCents } from '../../src/payments/money';
import type { RawNotification } from '../../src/payments/channel';

const KEY = '89unJUB8HZ54Hj7x4nUj56HN4nUzUJ8i';

// The published recipe run independently of the adapter: sorted k=v&…, key appended, md5.
function recipeSign(params: Record<string, string>, key: string): string {
  const base = Object.entries(params)
    .filter(([k, v]) => k !== 'sign' && k !== 'sign_type' && v !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  return createHash('md5')
    .update(base + key)
    .digest('hex');
}

const notify = (query: Record<string, string>, method = 'GET'): RawNotification => ({ method, query, headers: {}, rawBody: Buffer.alloc(0) });

function signedNotify(overrides: Record<string, string> = {}, key = KEY): Record<string, string> {
  const params: Record<string, string> = {
    pid: '1001',
    trade_no: '2026112400001',
    out_trade_no: 'K261124ABCDEFGH',
    type: 'alipay',
    name: 'Steam 50 × 1',
    money: '50.00',
    trade_status: 'TRADE_SUCCESS',
    ...overrides,
  };
  return { ...params, sign: recipeSign(params, key), sign_type: 'MD5' };
}

describe('Epay MD5 signature', () => {
  it('matches a known vector computed outside this project (Python hashlib)', () => {
    const params = {
      pid: '1001',
      type: 'alipay',
      out_trade_no: '20160806151343349',
      notify_url: 'http://www.pay.com/notify_url.php',
      return_url: 'http://www.pay.com/return_url.php',
      name: 'VIP会员',
      money: '1.00',
    };
    expect(epaySign(params, KEY)).toBe('427724b6656aa612cfdbe7a2262036a3');
  });

  it('skips empty values and the sign fields themselves', () => {
    const params = { b: '2', a: '1', empty: '', sign: 'zzz', sign_type: 'MD5' };
    expect(epaySign(params, 'k')).toBe(createHash('md5').update('a=1&b=2k').digest('hex'));
  });
});

describe('EpayChannel.parseNotification', () => {
  const channel = new EpayChannel({ pid: '1001', key: KEY, apiUrl: 'http://127.0.0.1:9' });

  it('accepts a notification signed by the recipe', () => {
    const parsed = channel.parseNotification(notify(signedNotify()));
    expect(parsed).toMatchObject({
      verdict: 'verified',
      orderNo: 'K261124ABCDEFGH',
      tradeNo: '2026112400001',
      eventKey: '2026112400001',
      amountCents: 5000,
      currency: 'CNY',
      paid: true,
    });
  });

  it('accepts the same fields sent as a form POST', () => {
    const body = Buffer.from(new URLSearchParams(signedNotify()).toString());
    expect(channel.parseNotification({ method: 'POST', query: {}, headers: {}, rawBody: body }).verdict).toBe('verified');
  });

  it('treats a verified non-success status as verified but not paid', () => {
    const parsed = channel.parseNotification(notify(signedNotify({ trade_status: 'WAIT_BUYER_PAY' })));
    expect(parsed).toMatchObject({ verdict: 'verified', paid: false });
  });

  it.each(['pid', 'trade_no', 'out_trade_no', 'type', 'name', 'money', 'trade_status'])('rejects a tampered %s', (field) => {
    const params = signedNotify();
    params[field] = field === 'money' ? '0.01' : `${params[field]}X`;
    const parsed = channel.parseNotification(notify(params));
    expect(parsed.verdict).toBe('rejected');
  });

  it('rejects a notification signed with another key', () => {
    expect(channel.parseNotification(notify(signedNotify({}, 'another-merchant-key-123456')))).toMatchObject({
      verdict: 'rejected',
      reason: 'signature mismatch',
    });
  });

  it('rejects another merchant even with a valid signature for its own pid', () => {
    expect(channel.parseNotification(notify(signedNotify({ pid: '2002' })))).toMatchObject({ verdict: 'rejected', reason: 'pid is not this merchant' });
  });

  it.each([
    ['no parameters', {}],
    ['no sign', { ...signedNotify(), sign: '' }],
    ['non-hex sign', { ...signedNotify(), sign: 'z'.repeat(32) }],
    ['short sign', { ...signedNotify(), sign: 'abc' }],
    ['other sign_type', { ...signedNotify(), sign_type: 'RSA' }],
    ['malformed money', signedNotify({ money: '1e3' })],
  ])('rejects %s without throwing', (_name, query) => {
    expect(() => channel.parseNotification(notify(query as Record<string, string>))).not.toThrow();
    expect(channel.parseNotification(notify(query as Record<string, string>)).verdict).toBe('rejected');
  });

  it('answers success / fail in Epay words', () => {
    expect(channel.reply(true)).toEqual({ status: 200, contentType: 'text/plain', body: 'success' });
    expect(channel.reply(false)).toEqual({ status: 400, contentType: 'text/plain', body: 'fail' });
  });
});

describe('money', () => {
  it.each([
    [0, '0.00'],
    [1, '0.01'],
    [1050, '10.50'],
    [123456789, '1234567.89'],
  ])('%i cents ⇄ %s', (cents, text) => {
    expect(centsToDecimal(cents)).toBe(text);
    expect(decimalToCents(text)).toBe(cents);
  });

  it.each(['', '-1.00', '1.001', '1e3', 'abc', '1.', '.5'])('refuses %p', (text) => {
    expect(decimalToCents(text)).toBeUndefined();
  });

  it('reads one decimal as tenths', () => {
    expect(decimalToCents('12.5')).toBe(1250);
  });
});
