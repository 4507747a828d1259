import { randomBytes } from 'node:crypto';
import { AdmissionController } from '../../src/admission/admission-controller';
import { AdmissionGate } from '../../src/admission/admission';
import { AdmissionTickets } from '../../src/admission/admission-tickets';
import { createLogger } from '../../src/logging';
import { adminHeaders, createSkuWithKeys, payInSandbox, request, startStack, waitFor, waitForStatus, type Stack } from '../support/stack';
import { uniqueSku } from '../support/config';

describe('the auto admission rate (ADMISSION=auto)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { ADMISSION: 'auto', ADMISSION_TARGET_LAG: '2s' } });
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('cuts the rate when deliveries lag, raises it a step while buyers use it and deliveries keep up, and holds it when idle', async () => {
    const controller = new AdmissionController({
      db: stack.db,
      config: stack.config.admission,
      clock: () => new Date(),
      logger: createLogger('admission', 'silent'),
      intervalMs: 1,
    });
    const sku = uniqueSku('auto');
    await createSkuWithKeys(stack, sku, []);
    const rate = async () => (await stack.db.admission.findUniqueOrThrow({ where: { name: 'orders' } })).ratePerSec;
    const start = await rate();
    const orders = (n: number, lagMs: number, prefix: string) =>
      stack.db.order.createMany({
        data: Array.from({ length: n }, (_, i) => {
          const now = Date.now();
          return {
            orderNo: `${prefix}${String(now).slice(-8)}${String(i).padStart(4, '0')}`,
            sku,
            quantity: 1,
            unitPriceCents: 100,
            amountCents: 100,
            currency: 'CNY',
            email: `auto${i}@example.com`,
            channel: 'epay',
            status: 'DELIVERED' as const,
            expiresAt: new Date(now + 60_000),
            createdAt: new Date(now - 1000),
            paidAt: new Date(now - lagMs),
            deliveredAt: new Date(now),
          };
        }),
      });

    // Nothing delivered lately: no evidence, no change, and no lag to show.
    expect(await controller.tick()).toMatchObject({ ratePerSec: start, lagMs: null });
    const exported = async () => (await fetch(stack.api.metricsUrl)).text();
    expect(await exported()).not.toMatch(/^keyflow_admission_lag_seconds/m);
    // Deliveries 5 s behind their payments: cut.
    await orders(10, 5000, 'AUTOLAG');
    expect(await controller.tick()).toMatchObject({ ratePerSec: start * 0.7, lagMs: 5000 });
    expect(await exported()).toMatch(/^keyflow_admission_lag_seconds\{mode="auto"\} 5$/m);
    expect(await exported()).toMatch(new RegExp(`^keyflow_admission_rate_per_second\\{mode="auto"\\} ${start * 0.7}$`, 'm'));
    await stack.db.order.deleteMany({ where: { sku } });
    // Fast deliveries while buyers use the whole rate: one step up.
    await orders(Math.ceil(start * 0.7 * 10), 100, 'AUTOFAST');
    expect(await controller.tick()).toMatchObject({ ratePerSec: start * 0.7 + 2 });
    // A second worker stepping in the same moment changes nothing.
    const twin = new AdmissionController({
      db: stack.db,
      config: stack.config.admission,
      clock: () => new Date(),
      logger: createLogger('a2', 'silent'),
      intervalMs: 60_000,
    });
    expect(await twin.tick()).toBe('skipped');
    expect(await rate()).toBe(start * 0.7 + 2);
  });
});

// Admission before payment at 2 orders a second, no burst allowance, places up to 3 s ahead.
describe('admission of new orders (ADMISSION=2/s)', () => {
  let stack: Stack;
  const sku = uniqueSku('admit');

  beforeAll(async () => {
    stack = await startStack({ env: { ADMISSION: '2/s', ADMISSION_BURST: '0', ADMISSION_MAX_WAIT: '3s' } });
    await createSkuWithKeys(
      stack,
      sku,
      Array.from({ length: 40 }, (_, i) => `ADMIT-${i}`),
    );
  });
  afterAll(async () => {
    await stack.stop();
  });

  const attempt = (email: string, headers: Record<string, string> = {}, skuName = sku) =>
    request('POST', `${stack.api.url}/api/orders`, { headers, json: { sku: skuName, quantity: 1, email, channel: 'epay' } });
  const queueStartsNow = () => stack.db.$executeRaw`UPDATE "Admission" SET "nextSlot" = now() WHERE "name" = 'orders'`;
  const slotOf = (ticket: string) => parseInt(ticket.split('.')[0], 36);

  it('admits at the rate and gives busy buyers places in the order they came, up to the longest wait', async () => {
    // One order first, so the path is warm: a cold first request slower than an admission interval would let the next buyer in.
    await attempt('warm-up@example.com');
    await queueStartsNow();
    const before = await stack.db.order.count({ where: { sku } });
    const answers = [];
    const answeredAt: number[] = [];
    // Sixteen one after another, faster than places are handed out (2/s): the queue fills.
    for (let i = 0; i < 16; i++) {
      answers.push(await attempt(`queue${i}@example.com`));
      answeredAt.push(Date.now());
    }
    expect(answers[0].status).toBe(201);
    const busy = answers.slice(1);
    for (const answer of busy) {
      expect(answer.status).toBe(429);
      expect(answer.body).toMatchObject({ error: 'busy' });
      expect(answer.headers.get('retry-after')).toBe(String(answer.body.retryAfterSeconds));
    }
    const ticketed = busy.filter((a) => a.body.ticket);
    // 2/s for 3 s: about six places (more if the requests were slow: the window moves with the clock,
    // and a buyer refused a place may get one a moment later); the others are told when to come back.
    expect(ticketed.length).toBeGreaterThanOrEqual(4);
    expect(ticketed.length).toBeLessThanOrEqual(14);
    expect(busy.some((a) => a.body.ticket === undefined)).toBe(true);
    // No place is further ahead than the longest wait from when it was given.
    busy.forEach((a, i) => a.body.ticket && expect(slotOf(a.body.ticket)).toBeLessThanOrEqual(answeredAt[i + 1] + 3000));
    const slots = ticketed.map((a) => slotOf(a.body.ticket));
    expect(slots).toEqual([...slots].sort((a, b) => a - b));
    expect(new Set(slots).size).toBe(slots.length);
    expect(slots[1] - slots[0]).toBe(500);
    // Busy buyers left nothing behind: no order, no pay URL.
    expect(await stack.db.order.count({ where: { sku } })).toBe(before + 1);
    // Operators see them: refusals by reason, and the queue's reach.
    const exported = await (await fetch(stack.api.metricsUrl)).text();
    expect(Number(/^keyflow_orders_refused_total\{reason="busy"\} (\d+)/m.exec(exported)?.[1])).toBeGreaterThanOrEqual(15);
    expect(Number(/^keyflow_admission_queue_seconds (\S+)/m.exec(exported)?.[1])).toBeGreaterThan(1);
    expect(exported).toMatch(/^keyflow_admission_rate_per_second\{mode="fixed"\} 2$/m);
    expect(exported).not.toMatch(/^keyflow_admission_lag_seconds/m);
  });

  it('sends the buyers beyond the longest wait back one admission interval apart, not all in the same second', async () => {
    // The gate itself, on the shared row, with one instant for every buyer: no machine's speed in the figures.
    const gate = new AdmissionGate(stack.config.admission, new AdmissionTickets(randomBytes(32)));
    const now = new Date();
    await stack.db.$executeRaw`UPDATE "Admission" SET "nextSlot" = ${now} WHERE "name" = 'orders'`;
    const answers = [];
    for (let i = 0; i < 16; i++) answers.push(await gate.admit(stack.db, { email: `crowd${i}@example.com`, now }));
    expect(answers[0]).toEqual({ admitted: true });
    // 2/s for 3 s: six places with tickets; the other nine come back 0.5 s apart, in the order they came.
    expect(answers.slice(1, 7).every((a) => !a.admitted && a.ticket)).toBe(true);
    const beyond = answers.slice(7).map((a) => (a.admitted ? 0 : a.ticket ? -1 : a.retryAfterSeconds));
    expect(beyond).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5]);
  });

  it('lets a busy buyer in with its ticket once its time comes, never before, and the ticket is nobody else’s', async () => {
    await queueStartsNow();
    // The API remembers the furthest slot it handed out above, and answers busy without asking while that is beyond the longest wait.
    await waitFor(async () => (await attempt('first-in@example.com')).status === 201, 'room in the queue again', 5000);
    // The ticket's time 1.5 s away (the next two still inside the 3 s longest wait): the three requests
    // before "too early" below need that long on a busy machine, where half a second was not always enough.
    await stack.db.$executeRaw`UPDATE "Admission" SET "nextSlot" = now() + interval '1.5 seconds' WHERE "name" = 'orders'`;
    const busy = await attempt('ticket-holder@example.com');
    expect(busy.status).toBe(429);
    const ticket = busy.body.ticket as string;
    expect(ticket).toBeTruthy();

    // Someone else's ticket, or a forged one, is no place in the queue: they queue behind.
    const stolen = await attempt('thief@example.com', { 'Admission-Ticket': ticket });
    expect(stolen.status).toBe(429);
    expect(slotOf(stolen.body.ticket)).toBeGreaterThan(slotOf(ticket));
    const forged = await attempt('forger@example.com', { 'Admission-Ticket': `${slotOf(ticket).toString(36)}.forged` });
    expect(forged.status).toBe(429);
    expect(slotOf(forged.body.ticket)).toBeGreaterThan(slotOf(ticket));

    // Back too early: still busy, the same place kept.
    const early = await attempt('ticket-holder@example.com', { 'Admission-Ticket': ticket });
    expect([early.status, early.body.ticket]).toEqual([429, ticket]);
    expect(early.body.retryAfterSeconds).toBeGreaterThanOrEqual(1);

    await new Promise((r) => setTimeout(r, Math.max(0, slotOf(ticket) - Date.now()) + 50));
    const admitted = await attempt('ticket-holder@example.com', { 'Admission-Ticket': ticket });
    expect(admitted.status).toBe(201);
  });

  it('refuses for stock before it refuses for load, and never refuses a buyer who has paid', async () => {
    const small = uniqueSku('admit-held');
    await createSkuWithKeys(stack, small, ['AH-1']);
    await queueStartsNow();
    const holder = await attempt('holder@example.com', {}, small);
    expect(holder.status).toBe(201);
    await queueStartsNow();
    const keyed = await attempt('keyed@example.com', { 'Idempotency-Key': 'admission-replay-1' });
    expect(keyed.status).toBe(201);
    // Fill the queue: every new order is busy now.
    await stack.db.$executeRaw`UPDATE "Admission" SET "nextSlot" = now() + interval '60 seconds' WHERE "name" = 'orders'`;
    const held = await attempt('late@example.com', {}, small);
    expect([held.status, held.body.error]).toEqual([429, 'held']);
    expect((await attempt('new@example.com')).body.error).toBe('busy');
    // An order already placed is answered again, whatever the queue says.
    const replay = await attempt('keyed@example.com', { 'Idempotency-Key': 'admission-replay-1' });
    expect([replay.status, replay.body.orderNo]).toEqual([201, keyed.body.orderNo]);
    const status = await request('GET', `${stack.api.url}/api/admin/admission`, { headers: adminHeaders() });
    expect(status.body).toMatchObject({ mode: 'fixed', ratePerSec: 2, lagMs: null, burstMs: 0, maxWaitMs: 3000 });
    expect(status.body.queueSeconds).toBeGreaterThan(50);
    await payInSandbox(stack, holder.body);
    await waitForStatus(stack.db, holder.body.orderNo, 'DELIVERED');
    await queueStartsNow();
  });
});
