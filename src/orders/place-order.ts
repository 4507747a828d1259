import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Db } from '../db/client';
import type { AccessTokens, ReturnCodes } from '../crypto/access-token';
import type { ChannelRegistry } from '../payments/channel';
import { RouteRefusal, type ChannelRouter, type RouteRefusalKind } from '../channels/router';
import type { Order } from '../generated/prisma/client';
import { InvalidTransitionError, isUniqueViolation } from '../db/errors';
import { transitionOrder } from '../db/order-transition';
import { Prisma } from '../generated/prisma/client';
import { readStockPicture, stockFits, type StockPicture } from '../stock/stock-holds';
import { insertOrder, insertOrderWithinStock, type NewOrder } from './insert-order';
import type { StockRefusals } from '../stock/stock-refusals';
import type { AdmissionGate } from '../admission/admission';
import type { PerKeyQueue } from './per-key-queue';
import { limitRefusal, type LimitRefusal } from './order-limits';
import { readPlacementFacts } from './placement-facts';
import { notifyUrl, returnUrl } from '../links';
import { newOrderNo } from './order-number';
import { normaliseEmail, startOrderWorkflow } from './order-runs';
import { metrics } from '../observability/metrics';
import { errorMessage, firstLine } from '../error-text';
import { orderWorkflowId } from '../workflows/workflow-ids';
import type { OrderStatus } from '../domain/order-status';
import type { DegradeLevelCache } from '../degrade/degrade-switch';
import { keptTraceParent } from '../observability/tracing/spans';
import { hashQueryPassword } from '../crypto/query-password';
import type { Locale } from '../domain/locale';

export interface PlaceOrderRequest {
  sku: string;
  quantity: number;
  email: string;
  /** An instance's name; omitted or 'auto' lets routing choose among the healthy ones. */
  channel?: string;
  payType?: string;
  /** The client's address as Express sees it (TRUST_PROXY); for the per-client rate, not part of the request's identity. */
  clientIp: string;
  /** The admission ticket a busy answer gave this buyer, sent back with the retry. */
  admissionTicket?: string;
  /** The language the buyer's emails are written in (omitted: English). */
  locale?: Locale;
  /** Lets the buyer open the order later with its number and this password; only its hash is kept. */
  queryPassword?: string;
}

export interface PlacedOrder {
  orderNo: string;
  status: string;
  amountCents: number;
  currency: string;
  /** The channel instance the order pays through. */
  channel: string;
  payUrl: string;
  accessToken: string;
  expiresAt: string;
}

/** Why an order could not be placed, mapped by the API to its HTTP status; refusals say when to retry. */
export class PlaceOrderError extends Error {
  constructor(
    readonly kind:
      | 'unknown-sku'
      | 'insufficient-stock'
      | 'held'
      | 'busy'
      | 'over-cap'
      | 'under-minimum'
      | 'idempotency-conflict'
      | 'unavailable'
      | LimitRefusal['kind']
      | `channel-${RouteRefusalKind}`,
    message: string,
    readonly retryAfterSeconds?: number,
    /** A busy buyer's place in the admission queue. */
    readonly ticket?: string,
  ) {
    super(message);
  }
}

export interface PlaceOrderDeps {
  db: Db;
  temporal: Client;
  channels: ChannelRegistry;
  router: ChannelRouter;
  accessTokens: AccessTokens;
  returnCodes: ReturnCodes;
  config: Config;
  clock: () => Date;
  stockRefusals: StockRefusals;
  admission: AdmissionGate;
  /** Orders for one SKU take its stock lock one at a time in this process, before asking for a connection. */
  skuQueue: PerKeyQueue;
  /** The degrade level new orders run at, cached for a moment. */
  degrade: DegradeLevelCache;
}

/**
 * Writes the order row, starts its workflow, and only then hands out a pay URL. An order whose
 * workflow cannot be started becomes FAILED: never payable, unless the buyer retries with the same
 * Idempotency-Key (see startAgain).
 */
export async function placeOrder(deps: PlaceOrderDeps, request: PlaceOrderRequest, idempotencyKey?: string): Promise<PlacedOrder> {
  const { db, config } = deps;
  const requestHash = hashRequest(request);
  // The key is the buyer's own (scoped by email): someone else's key never answers with this order.
  const scopedKey = idempotencyKey ? { email_idempotencyKey: { email: request.email, idempotencyKey } } : undefined;
  if (scopedKey) {
    const existing = await db.order.findUnique({ where: scopedKey });
    if (existing) return resumeExisting(deps, existing, requestHash);
  }

  if (request.quantity > config.order.maxQuantity) {
    throw new PlaceOrderError('over-cap', `quantity ${request.quantity} is over the limit of ${config.order.maxQuantity} per order`);
  }
  // A sale's sold-out crowd is answered from memory: no order could be placed anyway.
  const recent = deps.stockRefusals.recent(request.sku);
  if (recent?.kind === 'sold-out') throw notEnoughKeys(request.sku, 0, request.quantity);
  const facts = await readPlacementFacts(db, request, config.limits, deps.clock());
  const { sku } = facts;
  if (!sku || !sku.active) throw new PlaceOrderError('unknown-sku', `SKU ${request.sku} does not exist or is not for sale`);
  if (request.quantity < sku.minQuantity) {
    throw new PlaceOrderError('under-minimum', `${sku.sku} is sold at least ${sku.minQuantity} per order, ${request.quantity} requested`);
  }
  if (sku.maxQuantity !== null && request.quantity > sku.maxQuantity) {
    throw new PlaceOrderError('over-cap', `${sku.sku} is sold at most ${sku.maxQuantity} per order, ${request.quantity} requested`);
  }
  const refusal = limitRefusal(config.limits, facts.limits, deps.clock());
  if (refusal) throw new PlaceOrderError(refusal.kind, refusal.message, refusal.retryAfterSeconds);
  // An unlocked look first: most refusals in a sale (sold out, held) need no lock and no slot.
  if (recent?.kind === 'held') throw heldError(sku.sku, recent.keysBackAt, deps.clock());
  checkStock(deps, sku.sku, request.quantity, facts.stock);
  // Before anything is asked of a channel: a shop that cannot take money says so before the buyer pays.
  let channel: string;
  try {
    channel = await deps.router.route({ channel: request.channel, payType: request.payType, currency: sku.currency });
  } catch (error) {
    if (error instanceof RouteRefusal) throw new PlaceOrderError(`channel-${error.kind}`, error.message, error.retryAfterSeconds);
    throw error;
  }
  const admission = await deps.admission.admit(db, {
    email: request.email,
    ticket: request.admissionTicket,
    now: deps.clock(),
  });
  if (!admission.admitted) {
    throw new PlaceOrderError(
      'busy',
      `Keyflow is taking as many orders as it can deliver promptly; come back in ${admission.retryAfterSeconds} s${admission.ticket ? ' with the ticket to keep your place' : ''}`,
      admission.retryAfterSeconds,
      admission.ticket,
    );
  }

  // Hashed before any lock is taken: scrypt is deliberately slow.
  const queryPasswordHash = request.queryPassword ? await hashQueryPassword(request.queryPassword) : null;
  let order: Order;
  try {
    const row = newOrder(deps, request, sku, channel, requestHash, idempotencyKey, queryPasswordHash);
    // With holds, the check above is made again under the SKU's lock; without them it is all there is.
    order = config.order.stockHolds ? await deps.skuQueue.run(sku.sku, () => insertWithinStock(deps, row)) : await insertOrder(db, row);
  } catch (error) {
    // Two requests with one idempotency key raced; the loser answers with the winner's order.
    if (scopedKey && isUniqueViolation(error)) {
      const existing = await db.order.findUnique({ where: scopedKey });
      // Not in the hot table: the key belongs to an order archived long ago (ArchivedKey).
      if (!existing) throw new PlaceOrderError('idempotency-conflict', 'this Idempotency-Key was used for an order that is archived now; use a new key');
      return resumeExisting(deps, existing, requestHash);
    }
    throw error;
  }
  return startAndPublish(deps, order, sku.name);
}

function notEnoughKeys(sku: string, available: number, quantity: number): PlaceOrderError {
  return new PlaceOrderError('insufficient-stock', `only ${available} key(s) of ${sku} available, ${quantity} requested`);
}

/** 409 when the keys are not there (remembered for a moment when none are), 429 held when open unpaid orders are expected to take them. */
function checkStock(deps: PlaceOrderDeps, sku: string, quantity: number, picture: StockPicture): void {
  const now = deps.clock();
  if (picture.available < quantity) {
    if (picture.available === 0) deps.stockRefusals.remember(sku, { kind: 'sold-out' });
    throw notEnoughKeys(sku, picture.available, quantity);
  }
  if (deps.config.order.stockHolds && !stockFits(picture, quantity)) {
    const keysBackAt = picture.firstHoldExpiry?.getTime() ?? now.getTime();
    // Only a single-key ask is remembered: a smaller order may still fit where a larger one did not.
    if (quantity === 1) deps.stockRefusals.remember(sku, { kind: 'held', keysBackAt });
    throw heldError(sku, keysBackAt, now);
  }
}

function heldError(sku: string, keysBackAt: number, now: Date): PlaceOrderError {
  return new PlaceOrderError(
    'held',
    `every remaining key of ${sku} is held by unpaid orders; keys come back when those orders expire or are cancelled`,
    Math.max(1, Math.ceil((keysBackAt - now.getTime()) / 1000)),
  );
}

/** The order inserted under the SKU's lock; refused as checkStock refuses when, by then, it no longer fits. */
async function insertWithinStock(deps: PlaceOrderDeps, row: NewOrder): Promise<Order> {
  const order = await insertOrderWithinStock(deps.db, row);
  if (order) return order;
  const now = deps.clock();
  checkStock(deps, row.sku, row.quantity, await readStockPicture(deps.db, row.sku, row.quantity, now));
  // Orders ahead of it expired or were paid since: the buyer's next attempt is judged afresh.
  throw heldError(row.sku, now.getTime(), now);
}

function newOrder(
  deps: PlaceOrderDeps,
  request: PlaceOrderRequest,
  sku: { sku: string; name: string; priceCents: number; currency: string },
  channel: string,
  requestHash: string,
  idempotencyKey: string | undefined,
  queryPasswordHash: string | null,
): NewOrder {
  const now = deps.clock();
  return {
    orderNo: newOrderNo(now),
    sku: sku.sku,
    skuName: sku.name,
    quantity: request.quantity,
    unitPriceCents: sku.priceCents,
    currency: sku.currency,
    email: request.email,
    channel,
    payType: request.payType ?? null,
    idempotencyKey: idempotencyKey ?? null,
    requestHash,
    clientIp: request.clientIp,
    expiresAt: new Date(now.getTime() + deps.config.order.paymentDeadlineMs),
    createdAt: now,
    traceParent: keptTraceParent(),
    locale: request.locale ?? null,
    queryPasswordHash,
  };
}

async function resumeExisting(deps: PlaceOrderDeps, order: Order, requestHash: string): Promise<PlacedOrder> {
  if (order.requestHash !== requestHash) {
    throw new PlaceOrderError('idempotency-conflict', 'this Idempotency-Key was already used for a different order request');
  }
  // Started again, it has no pay URL yet, so it goes through startAndPublish below.
  if (order.status === 'FAILED' && !(await startAgain(deps, order))) {
    throw new PlaceOrderError('unavailable', 'the order could not be started; place a new one');
  }
  if (order.status === 'CREATED' || !order.payUrl) {
    const sku = await deps.db.sku.findUniqueOrThrow({ where: { sku: order.sku } });
    return startAndPublish(deps, order, sku.name);
  }
  return present(deps, order, order.payUrl);
}

/**
 * A start that failed (503 with Retry-After, e.g. Temporal slow under load) may be retried with the
 * same Idempotency-Key: the order goes back to CREATED and is started again. The workflow id is the
 * order's, so a run that did start before the deadline ran out is found, not duplicated. An order
 * that was ever payable or whose payment deadline has passed stays FAILED.
 */
async function startAgain({ db, clock }: PlaceOrderDeps, order: Order): Promise<boolean> {
  const now = clock();
  // updatedAt moves too: reconciliation leaves a CREATED order alone for a grace period after it.
  return transitionOrder(db, {
    orderNo: order.orderNo,
    to: 'CREATED',
    from: ['FAILED'],
    actor: 'buyer',
    type: 'RESTARTED',
    message: 'retried with the same Idempotency-Key after a failed start',
    guard: Prisma.sql`"payUrl" IS NULL AND "expiresAt" > ${now}`,
    at: now,
  }).catch((error: unknown) => {
    if (error instanceof InvalidTransitionError) return false;
    throw error;
  });
}

async function startAndPublish(deps: PlaceOrderDeps, order: Order, skuName: string): Promise<PlacedOrder> {
  const { db, config } = deps;
  const channel = deps.channels.get(order.channel);
  let payUrl: string;
  let channelRef: string | undefined;
  try {
    if (!channel) throw new Error(`channel ${order.channel} is not enabled`);
    ({ payUrl, channelRef } = await channel.createPayment({
      orderNo: order.orderNo,
      amountCents: order.amountCents,
      currency: order.currency,
      subject: `${skuName} × ${order.quantity}`,
      payType: order.payType ?? undefined,
      notifyUrl: notifyUrl(config.notifyBaseUrl, order.channel),
      returnUrl: returnUrl(config.publicBaseUrl, order.orderNo, deps.returnCodes.issue(order.orderNo, deps.clock())),
      expiresAt: order.expiresAt,
    }));
    await startOrderWorkflow(deps, order, skuName, await deps.degrade.level());
  } catch (error) {
    await transitionOrder(db, {
      orderNo: order.orderNo,
      to: 'FAILED',
      from: ['CREATED'],
      actor: 'system',
      type: 'FAILED',
      reason: 'workflow could not be started',
      at: deps.clock(),
    }).catch((refused: unknown) => {
      if (!(refused instanceof InvalidTransitionError)) throw refused;
    });
    metrics.ordersCreated.inc({ channel: order.channel, result: 'failed' });
    throw new PlaceOrderError('unavailable', `order processing is unavailable right now (${firstLine(errorMessage(error), 200)}); no payment was requested`);
  }
  metrics.ordersCreated.inc({ channel: order.channel, result: 'started' });
  // The pay URL and the run are recorded with the move. The order may have moved on already (a very
  // fast callback, or a concurrent request with the same Idempotency-Key that got here first): then
  // the first pay URL stays, and this answer hands out that one.
  const set = { payUrl, channelRef, workflowId: orderWorkflowId(order.orderNo) };
  const at = deps.clock();
  let status: OrderStatus = 'AWAITING_PAYMENT';
  let moved = false;
  try {
    moved = await transitionOrder(db, {
      orderNo: order.orderNo,
      to: 'AWAITING_PAYMENT',
      from: ['CREATED'],
      actor: 'system',
      type: 'PAYMENT_REQUESTED',
      message: `pay URL issued (${order.channel})`,
      set,
      at,
    });
  } catch (error) {
    if (!(error instanceof InvalidTransitionError)) throw error;
  }
  if (!moved) {
    [{ status, payUrl }] = await db.$queryRaw<Array<{ status: OrderStatus; payUrl: string }>>`
      UPDATE "Order" SET "payUrl" = COALESCE("payUrl", ${payUrl}), "channelRef" = COALESCE("channelRef", ${channelRef ?? null}),
                         "workflowId" = COALESCE("workflowId", ${set.workflowId}), "updatedAt" = ${at}
      WHERE "orderNo" = ${order.orderNo}
      RETURNING "status"::text AS "status", "payUrl"`;
  }
  return present(deps, { ...order, status, payUrl }, payUrl);
}

function present(deps: PlaceOrderDeps, order: Order, payUrl: string): PlacedOrder {
  return {
    orderNo: order.orderNo,
    status: order.status,
    amountCents: order.amountCents,
    currency: order.currency,
    channel: order.channel,
    payUrl,
    accessToken: deps.accessTokens.issue(order.orderNo, order.tokenVersion),
    expiresAt: order.expiresAt.toISOString(),
  };
}

function hashRequest(request: PlaceOrderRequest): string {
  const canonical = JSON.stringify([request.sku, request.quantity, normaliseEmail(request.email), request.channel ?? 'auto', request.payType ?? null]);
  return createHash('sha256').update(canonical).digest('hex');
}
