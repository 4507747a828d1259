import express from 'express';
import { timingSafeEqual } from 'node:crypto';
import { epaySign } from '../../payments/epay-signature';
import { decimalToCents } from '../../payments/money';
import { Notifier, notifyParams } from './notifier';
import { TradeBook, type Trade } from './trades';
import { errorPage, mailboxPage, payPage } from './pages';
import type { SmtpSink } from './smtp-sink';
import { FaultBoard, faultsSchema, sleep } from './faults';

export interface SandboxMerchant {
  pid: string;
  key: string;
}

export interface GatewayOptions {
  merchant: SandboxMerchant;
  /** Which Epay instance this gateway plays (shown on its pages). */
  name?: string;
  mailbox?: SmtpSink;
  /** Multiplies the notification retry schedule (tests: small). */
  timeFactor?: number;
}

const SUBMIT_FIELDS = ['pid', 'type', 'out_trade_no', 'notify_url', 'return_url', 'name', 'money'] as const;

function signatureValid(params: Record<string, string>, key: string): boolean {
  if (!/^[0-9a-f]{32}$/i.test(params.sign ?? '')) return false;
  return timingSafeEqual(Buffer.from(epaySign(params, key), 'hex'), Buffer.from(params.sign.toLowerCase(), 'hex'));
}

function stringParams(source: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(source).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
}

/** Buyer-facing redirect back to the shop, signed like a notification (as Epay gateways do). */
function returnUrlFor(trade: Trade, key: string): string {
  const sep = trade.returnUrl.includes('?') ? '&' : '?';
  return `${trade.returnUrl}${sep}${new URLSearchParams(notifyParams(trade, key))}`;
}

/**
 * A local stand-in for an Epay (彩虹易支付) gateway. The shop talks to it only through the Epay
 * protocol; the extra /api and /mailbox routes are for people and scripts.
 */
export function createGateway({ merchant, mailbox, timeFactor = 1, name = 'epay' }: GatewayOptions) {
  const trades = new TradeBook();
  const faults = new FaultBoard();
  const notifier = new Notifier(merchant.key, faults, timeFactor);
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(express.urlencoded({ extended: false, limit: '16kb' }));

  // The `down` fault: the protocol side (pay page, submit.php, api.php) answers 503 as a dead
  // aggregator would, while the /api/* script and fault endpoints, the mailbox and /healthz stay up.
  const protocol = (req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (faults.for(undefined).down) return res.status(503).type('text/plain').send(`gateway ${name} is down (fault switch)`);
    next();
  };
  app.use(['/submit.php', '/api.php', '/pay'], protocol);

  const submit = (req: express.Request, res: express.Response) => {
    const params = stringParams({ ...req.query, ...(req.body ?? {}) });
    const missing = SUBMIT_FIELDS.filter((f) => !params[f]);
    if (missing.length)
      return res
        .status(400)
        .type('html')
        .send(errorPage(`missing ${missing.join(', ')}`));
    if (params.pid !== merchant.pid) return res.status(400).type('html').send(errorPage('unknown merchant'));
    if (!signatureValid(params, merchant.key)) return res.status(400).type('html').send(errorPage('signature mismatch'));
    if (decimalToCents(params.money) === undefined) return res.status(400).type('html').send(errorPage('invalid money'));
    const trade = trades.open({
      pid: params.pid,
      outTradeNo: params.out_trade_no,
      type: params.type,
      name: params.name,
      money: params.money,
      notifyUrl: params.notify_url,
      returnUrl: params.return_url,
    });
    if (trade.money !== params.money) return res.status(400).type('html').send(errorPage('this order was opened with another amount'));
    res.type('html').send(payPage(trade));
  };
  app.get('/submit.php', submit);
  app.post('/submit.php', submit);

  async function pay(trade: Trade): Promise<boolean> {
    if (!trades.markPaid(trade)) return trade.notifications.some((n) => n.acknowledged);
    return notifier.start(trade);
  }

  // The pay button: notify the shop first (as gateways do), then send the buyer back.
  app.post('/pay/:outTradeNo', async (req, res) => {
    const trade = trades.get(req.params.outTradeNo);
    if (!trade) return res.status(404).type('html').send(errorPage('no such trade; open the pay link first'));
    await pay(trade);
    res.redirect(303, returnUrlFor(trade, merchant.key));
  });

  const describeTrade = (trade: Trade) => ({
    trade_no: trade.tradeNo,
    out_trade_no: trade.outTradeNo,
    type: trade.type,
    pid: trade.pid,
    addtime: trade.createdAt,
    endtime: trade.paidAt ?? '',
    name: trade.name,
    money: trade.money,
    status: trade.status === 'WAITING' ? 0 : 1,
    refund_status: trade.status === 'REFUNDED' ? 1 : 0,
    ...(trade.refundNo ? { refund_no: trade.refundNo } : {}),
  });

  // Epay's merchant API: act=order (query one), act=orders (recent paid), act=refund.
  const merchantApi = async (req: express.Request, res: express.Response) => {
    const params = stringParams({ ...req.query, ...(req.body ?? {}) });
    if (
      params.pid !== merchant.pid ||
      !params.key ||
      params.key.length !== merchant.key.length ||
      !timingSafeEqual(Buffer.from(params.key), Buffer.from(merchant.key))
    ) {
      return res.json({ code: -1, msg: 'merchant id or key is wrong' });
    }
    const trade = params.out_trade_no ? trades.get(params.out_trade_no) : undefined;
    const tradeFaults = faults.for(params.out_trade_no);
    switch (params.act) {
      case 'order': {
        if (trade) trade.queries += 1;
        if (tradeFaults.queryDelayMs) await sleep(tradeFaults.queryDelayMs);
        if (tradeFaults.queryError) return res.status(500).json({ code: -1, msg: 'query failed (fault switch)' });
        if (!trade) return res.json({ code: -1, msg: 'order not found' });
        return res.json({ code: 1, msg: 'succ', ...describeTrade(trade) });
      }
      case 'orders': {
        const limit = Math.min(Number(params.limit) || 100, 500);
        return res.json({ code: 1, msg: 'succ', count: 0, data: trades.recentPaid(limit).map(describeTrade) });
      }
      case 'refund': {
        if (tradeFaults.failRefunds) return res.status(500).json({ code: -1, msg: 'refund failed (fault switch)' });
        if (tradeFaults.refuseRefunds) return res.json({ code: -1, msg: 'refund refused (fault switch)' });
        if (!trade) return res.json({ code: -1, msg: 'order not found' });
        if (params.trade_no && params.trade_no !== trade.tradeNo) return res.json({ code: -1, msg: 'trade_no does not belong to this order' });
        if (params.money && params.money !== trade.money) return res.json({ code: -1, msg: 'refund amount differs from the trade' });
        const result = trades.refund(trade);
        if (result.ok && tradeFaults.loseRefundAnswer && trade.refundCalls === 1) return res.status(502).json({ code: -1, msg: 'bad gateway (fault switch)' });
        return res.json(result.ok ? { code: 1, msg: 'succ', refund_no: result.refundNo } : { code: -1, msg: result.reason });
      }
      default:
        return res.json({ code: -1, msg: `unsupported act ${params.act ?? ''}` });
    }
  };
  app.get('/api.php', merchantApi);
  app.post('/api.php', merchantApi);

  // Fault switches, for scripts and tests.
  app.get('/api/faults', (_req, res) => res.json(faults.describe()));
  app.put('/api/faults', express.json(), (req, res) => {
    const parsed = faultsSchema.safeParse(req.body);
    if (!parsed.success) return res.status(400).json({ error: 'invalid_faults', message: parsed.error.message });
    faults.setGlobal(parsed.data);
    res.json(faults.describe());
  });
  app.put('/api/trades/:outTradeNo/faults', express.json(), (req, res) => {
    const parsed = faultsSchema.safeParse(req.body);
    if (!parsed.success) return res.status(400).json({ error: 'invalid_faults', message: parsed.error.message });
    faults.setForTrade(req.params.outTradeNo, parsed.data);
    res.json(faults.describe());
  });

  // Script endpoints: pay as if the buyer pressed Pay, and read a trade back.
  app.post('/api/trades/:outTradeNo/pay', async (req, res) => {
    const trade = trades.get(req.params.outTradeNo);
    if (!trade) return res.status(404).json({ error: 'not_found', message: 'no such trade; the pay URL has not been opened' });
    const acknowledged = await pay(trade);
    res.json({ tradeNo: trade.tradeNo, status: trade.status, acknowledged, returnUrl: returnUrlFor(trade, merchant.key) });
  });

  // Every trade with its notification attempts (benchmarks and chaos read this after a run).
  app.get('/api/trades', (_req, res) => res.json(trades.all()));

  app.put('/api/mail-faults', express.json(), (req, res) => {
    const body = req.body as { delayMs?: unknown; down?: unknown };
    if (!mailbox) return res.status(404).json({ error: 'no_mailbox' });
    if (
      (body.delayMs !== undefined && (typeof body.delayMs !== 'number' || body.delayMs < 0 || body.delayMs > 60_000)) ||
      (body.down !== undefined && typeof body.down !== 'boolean')
    ) {
      return res.status(400).json({ error: 'invalid_faults', message: 'expected { delayMs?: 0..60000, down?: boolean }' });
    }
    mailbox.setFaults({ delayMs: body.delayMs as number | undefined, down: body.down as boolean | undefined });
    res.json(mailbox.faults());
  });

  app.get('/api/trades/:outTradeNo', (req, res) => {
    const trade = trades.get(req.params.outTradeNo);
    if (!trade) return res.status(404).json({ error: 'not_found', message: 'no such trade' });
    res.json(trade);
  });

  app.get('/mailbox.json', (_req, res) => res.json(mailbox?.messages() ?? []));
  app.get('/mailbox', (_req, res) => res.type('html').send(mailboxPage(mailbox?.messages() ?? [])));
  app.get('/healthz', (_req, res) => res.json({ status: 'ok' }));

  return { app, trades, notifier, faults };
}
