// The shop's and the console's HTML pages and forms as an OpenAPI description, for `npm run fuzz`
// only: the pages are for browsers, so the public description (/api/openapi.json) leaves them out,
// but a form post is input like any other. Responses are described loosely (any status, HTML or a
// redirect): what the fuzzer judges here is no 5xx, no refusal that does not say why, and no seeded
// row changed without reason.

import { ORDER_ACTIONS } from '../../src/orders/support-actions';

type Field = { type: 'string'; minLength?: number; maxLength?: number; enum?: string[]; pattern?: string };
type Fields = Record<string, Field>;

const text = (maxLength?: number): Field => ({ type: 'string', ...(maxLength ? { maxLength } : {}) });
/** Mostly well-formed, so that a good share of the fuzzed SKU forms get past the checks to the save. */
const like = (pattern: string): Field => ({ type: 'string', pattern });
const SKU_FIELDS: Fields = {
  sku: like('^[a-z0-9][a-z0-9-]{0,30}$'),
  name: { type: 'string', minLength: 1, maxLength: 200 },
  price: like('^[0-9]{1,5}([.][0-9]{1,2})?$'),
  currency: { type: 'string', enum: ['CNY', 'USD', 'cny', 'XXXX'] },
  description: text(500),
  deliveryInstructions: text(500),
  category: text(80),
  minQuantity: like('^[0-9]{0,3}$'),
  maxQuantity: like('^[0-9]{0,3}$'),
  sortOrder: like('^-?[0-9]{0,4}$'),
  active: { type: 'string', enum: ['on', ''] },
};

interface Page {
  method: 'get' | 'post';
  path: string;
  query?: Fields;
  form?: Fields;
  /** A console page: it needs the staff session, and a form post its CSRF token. */
  console?: boolean;
}

const PAGES: Page[] = [
  { method: 'get', path: '/', query: { lang: text(10) } },
  { method: 'get', path: '/p/{sku}', query: { lang: text(10) } },
  {
    method: 'post',
    path: '/checkout',
    form: { sku: text(80), quantity: text(8), email: text(300), payType: text(20), queryPassword: text(80), ticket: text(250) },
  },
  { method: 'get', path: '/orders/{orderNo}', query: { token: text(300) } },
  { method: 'get', path: '/orders/{orderNo}/return', query: { code: text(300) } },
  { method: 'post', path: '/orders/{orderNo}/cancel', query: { token: text(300) } },
  { method: 'get', path: '/lookup' },
  { method: 'post', path: '/lookup', form: { orderNo: text(40), email: text(300), password: text(80) } },
  { method: 'get', path: '/admin/login', query: { signedOut: text(2), expired: text(2) } },
  { method: 'post', path: '/admin/login', form: { token: text(600) } },
  { method: 'post', path: '/admin/logout', console: true },
  { method: 'get', path: '/admin', console: true },
  {
    method: 'get',
    path: '/admin/orders',
    console: true,
    query: { orderNo: text(40), email: text(300), status: text(30), sku: text(80), from: text(30), to: text(30), cursor: text(100) },
  },
  { method: 'get', path: '/admin/orders/{orderNo}', console: true, query: { done: text(30), refused: text(400) } },
  { method: 'post', path: '/admin/orders/{orderNo}/email', console: true, form: { email: text(300), note: text(600) } },
  { method: 'post', path: '/admin/orders/{orderNo}/reissue-link', console: true, form: { note: text(600) } },
  { method: 'post', path: '/admin/orders/{orderNo}/{action}', console: true, form: { note: text(600), to: text(300) } },
  { method: 'get', path: '/admin/audit', console: true },
  { method: 'get', path: '/admin/skus', console: true },
  { method: 'get', path: '/admin/skus/new', console: true },
  { method: 'get', path: '/admin/skus/{sku}', console: true, query: { saved: text(2) } },
  { method: 'post', path: '/admin/skus', console: true, form: SKU_FIELDS },
  { method: 'post', path: '/admin/skus/{sku}', console: true, form: SKU_FIELDS },
  { method: 'post', path: '/admin/skus/{sku}/import/preview', console: true, form: { keys: text(2000) } },
  { method: 'post', path: '/admin/skus/{sku}/import', console: true, form: { keys: text(2000) } },
  { method: 'post', path: '/admin/skus/{sku}/void-unsold', console: true, form: { confirm: text(80) } },
  { method: 'post', path: '/admin/skus/{sku}/export-unsold', console: true },
  { method: 'get', path: '/admin/sale', console: true, query: { done: text(30) } },
  {
    method: 'post',
    path: '/admin/sale/degrade',
    console: true,
    form: {
      mode: { type: 'string', enum: ['auto', 'manual', 'off'] },
      level: { type: 'string', enum: ['normal', 'lean', 'essential', 'none'] },
      reason: text(600),
    },
  },
  {
    method: 'post',
    path: '/admin/sale/channels/{name}',
    console: true,
    form: { enabled: { type: 'string', enum: ['', 'on', 'off', 'maybe'] }, weight: like('^[0-9]{0,4}([.][0-9]{1,3})?$') },
  },
  { method: 'post', path: '/admin/sale/prewarm', console: true, form: { sku: text(80) } },
];

/** Path parameters by name; `action` is one of the console's order actions or anything else. */
const pathParameter = (name: string) => ({
  name,
  in: 'path',
  required: true,
  schema:
    name === 'action'
      ? {
          anyOf: [
            { type: 'string', enum: ORDER_ACTIONS },
            { type: 'string', minLength: 1 },
          ],
        }
      : { type: 'string', minLength: 1 },
});

/**
 * The pages as OpenAPI 3.0: the console's (`console: true`) or the shop's, including sign-in. A form
 * field named in `known` takes one of those values (the seeded SKU, an order number) in the
 * fuzzer's well-formed cases, and anything in its malformed ones. Every field of a form is required:
 * a browser sends them all, and the malformed cases leave some out.
 */
export function htmlPagesDescription(which: 'shop' | 'console', known: Record<string, string[]> = {}) {
  const paths: Record<string, Record<string, object>> = {};
  const withKnown = (fields: Fields) =>
    Object.fromEntries(Object.entries(fields).map(([name, field]) => [name, known[name] ? { type: 'string', enum: known[name] } : field]));
  for (const page of PAGES.filter((p) => (which === 'console') === Boolean(p.console))) {
    const fields = page.console && page.method === 'post' ? { _csrf: text(100), ...page.form } : page.form;
    const form = fields && withKnown(fields);
    paths[page.path] ??= {};
    paths[page.path]![page.method] = {
      operationId: `${page.method} ${page.path}`,
      parameters: [
        ...[...page.path.matchAll(/\{([^}]+)\}/g)].map((m) => pathParameter(m[1]!)),
        ...Object.entries(page.query ?? {}).map(([name, schema]) => ({ name, in: 'query', required: false, schema })),
      ],
      ...(form
        ? {
            requestBody: {
              required: true,
              content: {
                'application/x-www-form-urlencoded': { schema: { type: 'object', properties: form, required: Object.keys(form), additionalProperties: false } },
              },
            },
          }
        : {}),
      responses: { default: { description: 'an HTML page, a redirect, or a text download' } },
    };
  }
  return { openapi: '3.0.3', info: { title: `Keyflow ${which} pages (fuzzing only)`, version: '1' }, paths };
}
