import { z } from 'zod';
import { ORDER_ACTIONS } from '../orders/support-actions';
import { admissionAnswer, catalogueAnswer, degradeAnswer, errorAnswer, placedOrderAnswer, prewarmAnswer } from './response-schemas';
import {
  actionBody,
  actionBodyFor,
  adminOrdersQuery,
  changeEmailBody,
  createOrderBody,
  putChannelBody,
  putDegradeBody,
  putSkuBody,
  resendLinkBody,
} from './validation';

const json = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
/** An answer's body as the route sends it (JSON: dates as ISO strings). */
const answer = (description: string, schema: z.ZodType) => ({
  description,
  content: { 'application/json': { schema: z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) } },
});
const error = answer('error', errorAnswer);
const ok = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });
const okList = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'array', items: { type: 'object' } } } } });
/** An action (an Update, or a follow-up run) still at work when the caller stops waiting. */
const stillRunning = ok('still running after 20 s (`pending: true`, the state so far): it finishes on its own; the outcome goes on the timeline');
const path = (name: string, pattern: string) => ({ name, in: 'path', required: true, schema: { type: 'string', pattern } });
const ORDER_NO = path('orderNo', '^[A-Za-z0-9]{6,32}$');
const SKU = path('sku', '^[a-z0-9-]{1,64}$');
const staff = [{ staffToken: [] }];
/** `epay-backup` → `EpayBackup`, for operationIds. */
const pascal = (name: string) => name.replace(/(^|-)([a-z])/g, (_, _dash: string, c: string) => c.toUpperCase());
/** The access token as `?token=`, as the email's link carries it: the buyer's operations take it beside the bearer header. */
const ORDER_TOKEN = { name: 'token', in: 'query', required: false, schema: { type: 'string' } };

/**
 * Where a buyer goes from an answer that names their order: reading it and cancelling it with the
 * token the placement answered (OpenAPI links, which clients and the fuzzer's stateful phase follow).
 */
const orderLinks = (orderNo: string, token: string) => ({
  readOrder: { operationId: 'readOrder', parameters: { orderNo, 'query.token': token } },
  cancelOrder: { operationId: 'cancelOrder', parameters: { orderNo, 'query.token': token } },
});

/** An Epay notification's fields (GET query or form POST), signed with the merchant's MD5 key. */
const EPAY_NOTIFICATION = {
  type: 'object',
  properties: {
    pid: { type: 'string', pattern: '^[0-9]{1,12}$' },
    trade_no: { type: 'string', minLength: 1, maxLength: 64 },
    out_trade_no: { type: 'string', pattern: '^[A-Za-z0-9]{6,32}$' },
    type: { type: 'string', maxLength: 32 },
    name: { type: 'string', maxLength: 128 },
    money: { type: 'string', pattern: '^[0-9]{1,8}(\\.[0-9]{1,2})?$' },
    // Only TRADE_SUCCESS is a payment; any other status is acknowledged and ignored.
    trade_status: { type: 'string', enum: ['TRADE_SUCCESS', 'TRADE_CLOSED', 'WAIT_BUYER_PAY'] },
    sign: { type: 'string', pattern: '^[0-9a-f]{32}$' },
    sign_type: { type: 'string', enum: ['MD5'] },
  },
  required: ['pid', 'trade_no', 'out_trade_no', 'money', 'trade_status', 'sign'],
};

/**
 * The OpenAPI description of the API, generated from the same zod schemas that validate requests,
 * so the document and the validation cannot drift apart.
 */
export function openApiDocument(channels: ReadonlyArray<{ name: string; type: string }>, serverUrl: string) {
  return withCommonRefusals(describe(channels, serverUrl));
}

/**
 * Answers any operation may give, added where an operation does not name them itself: a body too
 * large (413) or of the wrong type (415) wherever there is a body, and 503 with Retry-After from
 * every /api operation but the channels' notifications while the database cannot be reached.
 */
function withCommonRefusals<T extends { paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<number, unknown> }>> }>(doc: T): T {
  for (const [route, operations] of Object.entries(doc.paths)) {
    for (const operation of Object.values(operations)) {
      // A channel's notification is answered in the channel's own protocol, described where it is declared.
      if (route.startsWith('/api/payments/')) continue;
      const common = [...(operation.requestBody ? [413, 415] : []), ...(route.startsWith('/api/') ? [503] : [])];
      for (const status of common) operation.responses[status] ??= error;
    }
  }
  return doc;
}

function describe(instances: ReadonlyArray<{ name: string; type: string }>, serverUrl: string) {
  const channels = instances.map((i) => i.name);
  const queryParams = Object.entries((json(adminOrdersQuery) as { properties: Record<string, object> }).properties).map(([name, schema]) => ({
    name,
    in: 'query',
    required: false,
    schema,
  }));
  return {
    openapi: '3.1.0',
    info: { title: 'Keyflow', version: '0.1.0', description: 'Card-key delivery: orders, payment notifications, staff actions.' },
    servers: [{ url: serverUrl }],
    components: { securitySchemes: { staffToken: { type: 'http', scheme: 'bearer' }, orderToken: { type: 'http', scheme: 'bearer' } } },
    paths: {
      '/api/skus': {
        get: { operationId: 'listCatalogue', summary: 'Catalogue', responses: { 200: answer('active SKUs with available counts', catalogueAnswer) } },
      },
      '/api/orders': {
        post: {
          operationId: 'placeOrder',
          summary: 'Place an order',
          parameters: [
            { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,128}$' } },
            {
              name: 'Admission-Ticket',
              in: 'header',
              required: false,
              description: 'the ticket a 429 busy answer gave this buyer',
              schema: { type: 'string' },
            },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: json(createOrderBody(channels)) } } },
          responses: {
            201: {
              ...answer('the order, with its pay URL, access token and the channel instance chosen', placedOrderAnswer),
              links: {
                ...orderLinks('$response.body#/orderNo', '$response.body#/accessToken'),
                requestOrderLink: { operationId: 'requestOrderLink', requestBody: { orderNo: '$response.body#/orderNo', email: '$request.body#/email' } },
              },
            },
            400: error,
            404: error,
            409: error,
            415: error,
            422: error,
            429: error,
            503: error,
          },
        },
      },
      '/api/orders/{orderNo}': {
        get: {
          operationId: 'readOrder',
          summary: 'The order, for the holder of its access token',
          parameters: [ORDER_NO, ORDER_TOKEN],
          security: [{ orderToken: [] }, {}],
          responses: {
            200: { ...ok('order view'), links: { cancelOrder: orderLinks('$request.path.orderNo', '$request.query.token').cancelOrder } },
            404: error,
          },
        },
      },
      '/api/orders/{orderNo}/cancel': {
        post: {
          operationId: 'cancelOrder',
          summary: 'Buyer cancels an unpaid order',
          parameters: [ORDER_NO, ORDER_TOKEN],
          security: [{ orderToken: [] }, {}],
          responses: {
            200: { ...ok('new state'), links: { readOrder: orderLinks('$request.path.orderNo', '$request.query.token').readOrder } },
            202: stillRunning,
            404: error,
            409: error,
            503: error,
          },
        },
      },
      '/api/orders/resend-link': {
        post: {
          operationId: 'requestOrderLink',
          summary: "Mail the order link to the order's own address",
          requestBody: { required: true, content: { 'application/json': { schema: json(resendLinkBody) } } },
          responses: { 202: ok('accepted either way'), 400: error },
        },
      },
      ...Object.fromEntries(
        instances.map(({ name: channel, type }) => [
          `/api/payments/${channel}/notify`,
          {
            post: {
              operationId: `notify${pascal(channel)}`,
              summary: `${channel} payment notification`,
              requestBody: { content: type === 'epay' ? { 'application/x-www-form-urlencoded': { schema: EPAY_NOTIFICATION } } : { '*/*': { schema: {} } } },
              responses: { 200: { description: 'acknowledged' }, 204: { description: 'acknowledged' }, 400: { description: 'rejected' } },
            },
          },
        ]),
      ),
      '/api/admin/skus/{sku}': {
        put: {
          operationId: 'putSku',
          summary: 'Create or update a SKU',
          parameters: [SKU],
          security: staff,
          requestBody: { required: true, content: { 'application/json': { schema: json(putSkuBody) } } },
          responses: { 200: ok('updated'), 201: ok('created'), 400: error, 401: error },
        },
        get: {
          operationId: 'getSku',
          summary: 'SKU with stock by status',
          parameters: [SKU],
          security: staff,
          responses: { 200: ok('sku'), 401: error, 404: error },
        },
      },
      '/api/admin/skus/{sku}/keys': {
        post: {
          operationId: 'importKeys',
          summary: 'Import keys, one per line',
          parameters: [SKU],
          security: staff,
          requestBody: { required: true, content: { 'text/plain': { schema: { type: 'string' } } } },
          responses: { 200: ok('import report'), 401: error, 404: error, 415: error },
        },
      },
      '/api/admin/orders': {
        get: {
          operationId: 'staffListOrders',
          summary: 'List orders',
          security: staff,
          parameters: queryParams,
          responses: {
            200: {
              ...ok('a page of orders, hot and archived together (each marked `archived`), newest first; `nextCursor` names the next page'),
              links: { staffGetOrder: { operationId: 'staffGetOrder', parameters: { orderNo: '$response.body#/orders/0/orderNo' } } },
            },
            400: error,
            401: error,
          },
        },
      },
      '/api/admin/orders/{orderNo}': {
        get: {
          operationId: 'staffGetOrder',
          summary: 'Order with payments, inbox and timeline',
          parameters: [ORDER_NO],
          security: staff,
          responses: {
            // From an order's page to what staff may do to it.
            200: {
              ...ok('order'),
              links: Object.fromEntries(
                [...ORDER_ACTIONS.map((a) => `staff${pascal(a)}`), 'staffReissueLink', 'staffChangeEmail'].map((operationId) => [
                  operationId,
                  { operationId, parameters: { orderNo: '$request.path.orderNo' } },
                ]),
              ),
            },
            400: error,
            401: error,
            404: error,
          },
        },
      },
      ...Object.fromEntries(
        ORDER_ACTIONS.map((action) => [
          `/api/admin/orders/{orderNo}/${action}`,
          {
            post: {
              operationId: `staff${pascal(action)}`,
              summary: `Staff ${action}`,
              parameters: [ORDER_NO],
              security: staff,
              requestBody: { content: { 'application/json': { schema: json(actionBodyFor(action)) } } },
              responses: {
                200: ok('new state'),
                202: stillRunning,
                400: error,
                401: error,
                404: error,
                409: error,
                503: error,
              },
            },
          },
        ]),
      ),
      '/api/admin/orders/{orderNo}/reissue-link': {
        post: {
          operationId: 'staffReissueLink',
          summary: 'Staff give the buyer a new order link: every earlier link and token stops working; the new one is mailed to the order’s address',
          parameters: [ORDER_NO],
          security: staff,
          requestBody: { content: { 'application/json': { schema: json(actionBody) } } },
          responses: { 200: ok('done'), 400: error, 401: error, 404: error },
        },
      },
      '/api/admin/orders/{orderNo}/email': {
        post: {
          operationId: 'staffChangeEmail',
          summary: 'Staff change the buyer’s email (a typo): later emails, the order-link lookup and a delivery email still owed use it',
          parameters: [ORDER_NO],
          security: staff,
          requestBody: { content: { 'application/json': { schema: json(changeEmailBody) } } },
          responses: {
            200: ok(
              '`changed` (false: the order had that address), `deliveryEmailOwed` (the worker sends it to the new address shortly), `runTold` (an open run shows the new address in the Web UI)',
            ),
            400: error,
            401: error,
            404: error,
            409: error,
          },
        },
      },
      '/api/admin/admission': {
        get: {
          operationId: 'getAdmission',
          summary: 'Admission of new orders: mode, rate in force, measured lag, queue length',
          security: staff,
          responses: { 200: answer('admission', admissionAnswer), 401: error },
        },
      },
      '/api/admin/skus/{sku}/prewarm': {
        post: {
          operationId: 'prewarmSku',
          summary: 'Before a sale: warm the database pools, the SKU’s keys, routing and a worker; answers what was warmed',
          parameters: [SKU],
          security: staff,
          responses: { 200: answer('prewarm report', prewarmAnswer), 400: error, 401: error, 404: error },
        },
      },
      '/api/admin/degrade': {
        get: {
          operationId: 'getDegrade',
          summary: 'The degrade switch: level in force, mode, who set it, what each level leaves out',
          security: staff,
          responses: { 200: answer('switch', degradeAnswer), 401: error },
        },
        put: {
          operationId: 'setDegrade',
          summary: 'Set the degrade switch (manual with a level holds it; auto hands it to the worker)',
          security: staff,
          requestBody: { required: true, content: { 'application/json': { schema: json(putDegradeBody) } } },
          responses: { 200: answer('switch', degradeAnswer), 400: error, 401: error },
        },
      },
      '/api/admin/channels': {
        get: {
          operationId: 'listChannels',
          summary: 'Channel instances with health, score and overrides',
          security: staff,
          responses: { 200: okList('one entry per instance'), 401: error },
        },
      },
      '/api/admin/channels/{name}': {
        put: {
          operationId: 'setChannel',
          summary: "Override an instance's enabled flag or weight (null clears)",
          parameters: [path('name', '^[a-z0-9-]{1,64}$')],
          security: staff,
          requestBody: { required: true, content: { 'application/json': { schema: json(putChannelBody) } } },
          responses: { 200: ok('the instance'), 400: error, 401: error, 404: error },
        },
      },
      '/api/admin/reconciliation/runs': {
        get: { operationId: 'listReconciliationRuns', summary: 'Recent reconciliation runs', security: staff, responses: { 200: ok('runs'), 401: error } },
      },
      '/healthz': { get: { operationId: 'health', summary: 'Process is up', responses: { 200: ok('ok') } } },
      '/readyz': { get: { operationId: 'readiness', summary: 'Postgres and Temporal reachable', responses: { 200: ok('ready'), 503: ok('not ready') } } },
    },
  };
}
