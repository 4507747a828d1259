// `npm run fuzz`: property-based fuzzing of the running API from its own OpenAPI description
// (schemathesis, installed into .venv), over seeded data (a SKU with keys; orders unpaid, delivered,
// cancelled) in eight passes: anonymous (every operation, paths fuzzed too); a new buyer (orders and
// link requests for the seeded SKU and order); a new buyer following the description's links in
// chains (place an order, read it with its token, cancel it: the stateful phase); the buyer of the
// delivered order and of the unpaid one (their tokens and order numbers); correctly signed payment
// notifications; staff (a valid token; SKU and order numbers drawn from the seeded ones); and staff
// following the links from the order list to an order's actions. The HTML pages and forms
// (html-pages.ts) get three more: a shop visitor, the unpaid order's buyer with its cookie, and staff
// signed in to the console, every form carrying the session's CSRF token.
// Passes when no request got a 5xx, no pass changed a seeded row it had no valid business changing
// (compared key by key), and the invariants hold at the end. Prints which operations answered 2xx
// (or 3xx) at least once.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createDb, type Db } from '../../src/db/client';
import { PROJECT_ROOT, VENV_BIN } from '../../src/paths';
import { checkInvariants } from '../../src/invariants/check';
import { startLocalStack, type LocalStack } from '../local-stack';
import { htmlPagesDescription } from './html-pages';

// --only <text>: just the passes whose name contains it (to reproduce one finding).
const { values: flags } = parseArgs({ options: { 'max-examples': { type: 'string', default: '40' }, only: { type: 'string' } } });
const SCHEMATHESIS = 'schemathesis==4.32.5';
const SKU = 'fuzz-seed';

type SeededOrder = { orderNo: string; accessToken: string };
interface Seeded {
  awaiting: SeededOrder;
  delivered: SeededOrder;
  cancelled: SeededOrder;
  /** Delivered too, kept out of the staff's refunds so a resend has a delivered order to work on. */
  resendable: SeededOrder;
}

/** Which description a pass fuzzes: the public API's, or the shop's or the console's pages. */
type Surface = 'api' | 'shop' | 'console';

interface Pass {
  name: string;
  surface?: Surface;
  headers?: Record<string, string>;
  /** schemathesis `parameters`: fixed values (`"path.sku" = "…"`) or dictionary bindings. */
  parameters?: Record<string, string | number | { dictionary: string }>;
  dictionaries?: Record<string, string[]>;
  /** Fixed values for the operations whose path matches, over the pass's own. */
  operations?: Array<{ pathRegex: string; parameters: Record<string, string> }>;
  includePathRegex?: string;
  excludePathRegex?: string;
  /** schemathesis phases; default: examples, coverage and fuzzing (each operation on its own). */
  phases?: string;
  /** schemathesis hooks module (scripts/fuzz/<file>) and its environment; a pass over the pages always has html_pages.py. */
  hooks?: { file: string; env: Record<string, string> };
  /** Seeded rows a valid request of this pass may change (`order <orderNo>`); every other must stay as it was. Unset: the staff pass, judged by the invariants. */
  mayChange?: string[];
}

async function main() {
  const pip = spawnSync(path.join(VENV_BIN, 'pip'), ['install', '--quiet', '--disable-pip-version-check', SCHEMATHESIS], { stdio: 'inherit' });
  if (pip.status !== 0) throw new Error(`could not install ${SCHEMATHESIS} into .venv`);
  // The second local gateway's merchant is set here (not generated) so the channel pass can sign for it too.
  const stack = await startLocalStack({ EPAY_BACKUP_PID: '7778', EPAY_BACKUP_KEY: `fuzz-backup-${randomBytes(8).toString('hex')}` });
  const db = createDb(stack.databaseUrl, { max: 2 });
  const work = mkdtempSync(path.join(os.tmpdir(), 'keyflow-fuzz-'));
  let status = 1;
  try {
    const seeded = await seed(stack, db);
    // Signed in before the shop pass fuzzes the sign-in form, whose wrong tokens lock this address out for a while.
    const staffSession = await signInToConsole(stack);
    const orders = [seeded.awaiting.orderNo, seeded.delivered.orderNo, seeded.cancelled.orderNo];
    // Well-formed form fields: the shop's name the seeded SKU and orders; the console's create new SKUs, so only its void confirmation names the seeded one.
    const descriptions = await writeDescriptions(stack, work, {
      shop: { sku: [SKU], orderNo: orders, email: ['fuzz-pages@example.com'], quantity: ['1', '2'] },
      console: { email: ['fuzz-pages@example.com'], confirm: [SKU] },
    });
    // The passes that may change nothing (or one order) come first: the staff passes may switch the
    // degrade level to auto, after which it moves by itself.
    const passes: Pass[] = [
      { name: 'anonymous', mayChange: [] },
      {
        name: 'new buyer',
        parameters: { 'body.sku': SKU, 'body.orderNo': seeded.delivered.orderNo },
        includePathRegex: '^/api/orders(/resend-link)?$',
        mayChange: [],
      },
      {
        // Chains of calls along the description's links: place an order, read it with its token, cancel it, read it again.
        name: 'new buyer following their order',
        // Orders that can be placed (one key, an address with room for open orders), from an address of their own.
        headers: { 'X-Forwarded-For': '10.9.1.1' },
        parameters: { 'body.sku': SKU, 'body.quantity': 1, 'body.channel': 'epay', 'body.email': { dictionary: 'emails' } },
        dictionaries: { emails: Array.from({ length: 40 }, (_, i) => `fuzz-follow-${i}@example.com`) },
        includePathRegex: '^/api/orders',
        phases: 'stateful',
        mayChange: [],
      },
      {
        name: 'buyer of the delivered order',
        headers: { Authorization: `Bearer ${seeded.delivered.accessToken}` },
        parameters: { 'path.orderNo': seeded.delivered.orderNo },
        includePathRegex: '^/api/orders/\\{orderNo\\}',
        mayChange: [],
      },
      {
        name: 'buyer of the unpaid order',
        headers: { Authorization: `Bearer ${seeded.awaiting.accessToken}` },
        parameters: { 'path.orderNo': seeded.awaiting.orderNo },
        includePathRegex: '^/api/orders/\\{orderNo\\}',
        mayChange: [`order ${seeded.awaiting.orderNo}`],
      },
      {
        name: 'shop visitor',
        surface: 'shop',
        parameters: { 'path.sku': { dictionary: 'skus' }, 'path.orderNo': { dictionary: 'orders' } },
        dictionaries: { skus: [SKU, 'no-such-sku'], orders },
        mayChange: [],
      },
      {
        name: 'buyer of the unpaid order, in the browser',
        surface: 'shop',
        headers: { Cookie: `kf_order_${seeded.awaiting.orderNo}=${seeded.awaiting.accessToken}` },
        parameters: { 'path.orderNo': seeded.awaiting.orderNo },
        includePathRegex: '^/orders/',
        mayChange: [`order ${seeded.awaiting.orderNo}`],
      },
      {
        // Correctly signed notifications with fuzzed contents, for the seeded orders and random ones.
        name: 'channel',
        parameters: { 'body.out_trade_no': { dictionary: 'orders' } },
        dictionaries: { orders: [seeded.awaiting.orderNo, seeded.delivered.orderNo, seeded.cancelled.orderNo] },
        includePathRegex: '^/api/payments/epay(-backup)?/notify$',
        hooks: {
          file: 'sign_epay.py',
          env: {
            KEYFLOW_FUZZ_EPAY: JSON.stringify({
              epay: { pid: stack.env.EPAY_PID, key: stack.env.EPAY_KEY },
              'epay-backup': { pid: stack.env.EPAY_BACKUP_PID, key: stack.env.EPAY_BACKUP_KEY },
            }),
          },
        },
      },
      {
        name: 'staff',
        headers: { Authorization: `Bearer ${stack.adminToken}` },
        parameters: { 'path.sku': SKU, 'path.orderNo': { dictionary: 'orders' }, 'path.name': 'epay-backup' },
        dictionaries: { orders: [seeded.awaiting.orderNo, seeded.delivered.orderNo, seeded.cancelled.orderNo] },
        operations: [{ pathRegex: '/resend$', parameters: { 'path.orderNo': seeded.resendable.orderNo } }],
        includePathRegex: '^/api/admin/',
      },
      {
        // From the order list to an order to its actions, along the description's links.
        name: 'staff following orders',
        headers: { Authorization: `Bearer ${stack.adminToken}` },
        includePathRegex: '^/api/admin/orders',
        phases: 'stateful',
      },
      {
        name: 'staff in the console',
        surface: 'console',
        headers: { Cookie: staffSession.cookie },
        parameters: { 'path.sku': SKU, 'path.orderNo': { dictionary: 'orders' }, 'path.name': 'epay-backup' },
        dictionaries: { orders },
        operations: [{ pathRegex: '/\\{action\\}$', parameters: { 'path.orderNo': seeded.resendable.orderNo } }],
        // Signing out would leave the rest of the pass at the sign-in page.
        excludePathRegex: '^/admin/logout$',
        hooks: { file: 'html_pages.py', env: { KEYFLOW_FUZZ_CSRF: staffSession.csrf } },
      },
    ];
    const templates = operationTemplates(descriptions);
    const answered = new Map<string, Set<number>>();
    const failures: string[] = [];
    let before = await snapshot(db);
    for (const pass of passes.filter((p) => !flags.only || p.name.includes(flags.only))) {
      const exit = runPass(stack, descriptions[pass.surface ?? 'api'], templates, pass, work, answered);
      if (exit !== 0) failures.push(`the ${pass.name} pass: schemathesis exit code ${exit}`);
      // Each pass is judged on what it changed itself: an earlier pass may have had business changing a row.
      const after = await snapshot(db);
      if (pass.mayChange) {
        const changed = changedSeededRows(before, after).filter((key) => !pass.mayChange!.includes(key));
        if (changed.length) failures.push(`the ${pass.name} pass changed seeded rows: ${changed.slice(0, 5).join('; ')}`);
      }
      before = after;
    }
    const violations = await checkInvariants(db, { graceMs: 60_000 });
    for (const v of violations) {
      failures.push(`invariant ${v.rule}: ${v.orderNo ?? ''} ${v.detail}`);
      // What happened to the order, for whoever reads the failure.
      if (v.orderNo)
        for (const e of await db.orderEvent.findMany({ where: { orderNo: v.orderNo }, orderBy: { id: 'asc' } }))
          console.log(`  ${v.orderNo} ${e.createdAt.toISOString()} ${e.type} by ${e.actor}: ${e.message ?? ''}`);
    }
    report(templates, answered);
    for (const failure of failures) console.log(`✖ ${failure}`);
    status = failures.length === 0 ? 0 : 1;
    console.log(status === 0 ? '✔ no 5xx, seeded rows unchanged by invalid requests, invariants hold' : `${failures.length} failure(s)`);
  } finally {
    await db.$disconnect();
    await stack.stop();
  }
  process.exit(status);
}

/** A SKU with keys and three orders of it: awaiting payment, delivered (paid at the sandbox gateway), cancelled. */
async function seed(stack: LocalStack, db: Db): Promise<Seeded> {
  const staff = { Authorization: `Bearer ${stack.adminToken}` };
  const call = async (method: string, url: string, init: { headers?: Record<string, string>; body?: string } = {}) => {
    const r = await fetch(url, { method, headers: init.headers, body: init.body });
    if (!r.ok) throw new Error(`seeding: ${method} ${url} answered ${r.status} ${await r.text()}`);
    return r.json();
  };
  await call('PUT', `${stack.api}/api/admin/skus/${SKU}`, {
    headers: { ...staff, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'Fuzz seed', priceCents: 500, currency: 'CNY' }),
  });
  const keys = Array.from({ length: 30 }, (_, i) => `FUZZ-SEED-${i}`).join('\n');
  await call('POST', `${stack.api}/api/admin/skus/${SKU}/keys`, { headers: { ...staff, 'Content-Type': 'text/plain' }, body: keys });
  const order = (email: string) =>
    call('POST', `${stack.api}/api/orders`, {
      headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': `10.9.0.${email.length}` },
      body: JSON.stringify({ sku: SKU, quantity: 1, email, channel: 'epay' }),
    }) as Promise<{ orderNo: string; accessToken: string; payUrl: string }>;
  const awaiting = await order('fuzz-awaiting@example.com');
  const delivered = await order('fuzz-delivered@example.com');
  const cancelled = await order('fuzz-cancelled@example.com');
  const resendable = await order('fuzz-resend@example.com');
  for (const paid of [delivered, resendable]) {
    await fetch(paid.payUrl).then((r) => r.text());
    await call('POST', `${stack.sandbox}/api/trades/${paid.orderNo}/pay`);
  }
  await call('POST', `${stack.api}/api/orders/${cancelled.orderNo}/cancel`, { headers: { Authorization: `Bearer ${cancelled.accessToken}` } });
  for (const { orderNo } of [delivered, resendable]) {
    for (let i = 0; ; i += 1) {
      const row = await db.order.findUnique({ where: { orderNo } });
      if (row?.status === 'DELIVERED' && row.emailedAt) break;
      if (i > 300) throw new Error(`seeding: order ${orderNo} is ${row?.status}, not DELIVERED and emailed`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { awaiting, delivered, cancelled, resendable };
}

/** A console session for the staff pass: its cookie, and the CSRF token its forms carry. */
async function signInToConsole(stack: LocalStack): Promise<{ cookie: string; csrf: string }> {
  const signIn = await fetch(`${stack.api}/admin/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: stack.adminToken }),
    redirect: 'manual',
  });
  const cookie = signIn.headers
    .getSetCookie()
    .find((c) => c.startsWith('kf_staff='))
    ?.split(';')[0];
  if (signIn.status !== 303 || !cookie) throw new Error(`seeding: the console sign-in answered ${signIn.status}, without a session cookie`);
  const dashboard = await (await fetch(`${stack.api}/admin`, { headers: { Cookie: cookie } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(dashboard)?.[1];
  if (!csrf) throw new Error('seeding: the console dashboard has no form with a CSRF token');
  return { cookie, csrf };
}

/** Where each surface's description is: the API serves its own; the pages' are written to files. */
async function writeDescriptions(
  stack: LocalStack,
  work: string,
  known: Record<'shop' | 'console', Record<string, string[]>>,
): Promise<Record<Surface, { location: string; doc: Description }>> {
  const api = `${stack.api}/api/openapi.json`;
  const written = (which: 'shop' | 'console') => {
    const location = path.join(work, `${which}-pages.json`);
    const doc = htmlPagesDescription(which, known[which]);
    writeFileSync(location, JSON.stringify(doc));
    return { location, doc };
  };
  return { api: { location: api, doc: (await (await fetch(api)).json()) as Description }, shop: written('shop'), console: written('console') };
}

/** Every business row, keyed, as comparable JSON. */
async function snapshot(db: Db): Promise<Map<string, string>> {
  const rows = new Map<string, string>();
  const put = (key: string, value: unknown) => rows.set(key, JSON.stringify(value));
  for (const s of await db.sku.findMany()) put(`sku ${s.sku}`, s);
  for (const k of await db.cardKey.findMany({ select: { id: true, sku: true, status: true, orderNo: true } })) put(`key ${k.id}`, k);
  for (const o of await db.order.findMany({ omit: { updatedAt: true } })) put(`order ${o.orderNo}`, o);
  for (const p of await db.payment.findMany()) put(`payment ${p.id}`, p);
  for (const r of await db.refund.findMany()) put(`refund ${r.id}`, r);
  for (const c of await db.channelOverride.findMany()) put(`channel override ${c.name}`, c);
  put('degrade', await db.degradeSwitch.findMany());
  return rows;
}

/** Seeded rows that changed or went (rows a valid request added are not seeded ones). */
function changedSeededRows(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...before].filter(([key, value]) => after.get(key) !== value).map(([key]) => key);
}

/** One schemathesis run with its own config file; the answers it got are added to `answered` (operation → statuses). */
function runPass(
  stack: LocalStack,
  description: { location: string },
  templates: Templates,
  pass: Pass,
  work: string,
  answered: Map<string, Set<number>>,
): number | null {
  // The pages are described loosely (any status, any type): a 5xx is a finding there, and a refusal that does not say why (html_pages.py).
  const pages = (pass.surface ?? 'api') !== 'api';
  const checks = pages
    ? 'not_a_server_error,refusal_says_why'
    : 'not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance';
  const hooks = pass.hooks ?? (pages ? { file: 'html_pages.py', env: {} } : undefined);
  const toml = (value: unknown) => JSON.stringify(value);
  const lines = [
    ...(pass.headers
      ? [
          `headers = { ${Object.entries(pass.headers)
            .map(([k, v]) => `${toml(k)} = ${toml(v)}`)
            .join(', ')} }`,
        ]
      : []),
    ...(pass.parameters
      ? [
          '[parameters]',
          ...Object.entries(pass.parameters).map(([k, v]) => `${toml(k)} = ${typeof v !== 'object' ? toml(v) : `{ dictionary = ${toml(v.dictionary)} }`}`),
        ]
      : []),
    ...Object.entries(pass.dictionaries ?? {}).flatMap(([name, values]) => [`[dictionaries.${name}]`, `values = ${toml(values)}`]),
    ...(pass.operations ?? []).flatMap((op) => [
      '[[operations]]',
      `include-path-regex = ${toml(op.pathRegex)}`,
      `parameters = { ${Object.entries(op.parameters)
        .map(([k, v]) => `${toml(k)} = ${toml(v)}`)
        .join(', ')} }`,
    ]),
  ];
  const config = path.join(work, `${pass.name}.toml`);
  writeFileSync(config, lines.join('\n') + '\n');
  const har = path.join(work, `${pass.name}.har`);
  console.log(`\n── fuzzing as ${pass.name} ──`);
  const run = spawnSync(
    path.join(VENV_BIN, 'schemathesis'),
    [
      '--config-file',
      config,
      'run',
      description.location,
      '--url',
      stack.api,
      '--checks',
      checks,
      '--max-examples',
      flags['max-examples']!,
      '--phases',
      pass.phases ?? 'examples,coverage,fuzzing',
      '--report',
      'har',
      '--report-har-path',
      har,
      '--no-color',
      ...(pass.includePathRegex ? ['--include-path-regex', pass.includePathRegex] : []),
      ...(pass.excludePathRegex ? ['--exclude-path-regex', pass.excludePathRegex] : []),
    ],
    {
      stdio: 'inherit',
      timeout: 900_000,
      ...(hooks
        ? {
            env: {
              ...process.env,
              ...hooks.env,
              SCHEMATHESIS_HOOKS: path.basename(hooks.file, '.py'),
              PYTHONPATH: path.join(PROJECT_ROOT, 'scripts/fuzz'),
            },
          }
        : {}),
    },
  );
  const entries = (
    JSON.parse(readFileSync(har, 'utf8')) as { log: { entries: Array<{ request: { method: string; url: string }; response: { status: number } }> } }
  ).log.entries;
  for (const { request, response } of entries) {
    const pathname = new URL(request.url).pathname;
    const template = templates.find((t) => t.method === request.method && t.pattern.test(pathname));
    if (!template) continue;
    const key = `${request.method} ${template.path}`;
    (answered.get(key) ?? answered.set(key, new Set()).get(key)!).add(response.status);
  }
  return run.status;
}

type Description = { paths: Record<string, object> };
type Templates = Array<{ method: string; path: string; pattern: RegExp }>;

/** Every operation the descriptions name, with a pattern that matches its concrete paths. */
function operationTemplates(descriptions: Record<Surface, { doc: Description }>): Templates {
  return Object.values(descriptions).flatMap(({ doc }) =>
    Object.entries(doc.paths).flatMap(([p, methods]) =>
      Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path: p, pattern: new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`) })),
    ),
  );
}

function report(templates: Templates, answered: Map<string, Set<number>>): void {
  console.log('\noperation                                              statuses seen (all passes)');
  let withoutSuccess = 0;
  for (const { method, path: p } of templates) {
    const key = `${method} ${p}`;
    const statuses = [...(answered.get(key) ?? [])].sort((a, b) => a - b);
    // A page's form that worked answers with a redirect.
    const ok = statuses.some((s) => s >= 200 && s < 400);
    if (!ok) withoutSuccess += 1;
    console.log(`${ok ? ' ' : '!'} ${key.padEnd(54)} ${statuses.join(' ') || 'not reached'}`);
  }
  console.log(`${templates.length} operations, ${withoutSuccess} without a 2xx or 3xx answer (marked !)`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
