import { adminHeaders, createSkuWithKeys, placeOrder, request, startStack, waitFor, type Stack } from '../support/stack';
import { uniqueSku } from '../support/config';

describe('prewarming a sale (POST /api/admin/skus/:sku/prewarm)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.stop());

  const prewarm = (sku: string, headers: Record<string, string> = adminHeaders()) =>
    request('POST', `${stack.api.url}/api/admin/skus/${sku}/prewarm`, { headers });

  it('fills the API’s and a worker’s database pools, reads the stock and routing, and says so', async () => {
    const sku = uniqueSku('warm');
    await createSkuWithKeys(stack, sku, ['WARM-1', 'WARM-2', 'WARM-3']);
    const before = await backends(stack);
    const warmed = await prewarm(sku);
    expect(warmed.status).toBe(200);
    expect(warmed.body).toMatchObject({
      sku,
      available: 3,
      soldOut: false,
      api: { connections: 10 },
      worker: { connections: 10 },
      channels: [{ name: 'epay', state: expect.any(String) }],
    });
    expect(warmed.body.temporalMs).toBeGreaterThanOrEqual(0);
    // Both pools opened their connections: the server sees them (each pool holds idle ones a while).
    expect(await backends(stack)).toBeGreaterThanOrEqual(Math.min(before + 10, 20));
    // The worker's half ran as a run of its own, visible to support.
    const prewarmRuns = async () => {
      const ids: string[] = [];
      for await (const run of stack.temporal.workflow.list({ query: `WorkflowType = 'prewarmWorkflow'` })) ids.push(run.workflowId);
      return ids.filter((id) => id.startsWith(`prewarm-${sku}-`));
    };
    // Visibility follows the run by a moment.
    expect(await waitFor(async () => (await prewarmRuns()).length > 0 && prewarmRuns(), 'the prewarm run in visibility')).toHaveLength(1);
  });

  it('remembers a sold-out SKU, so the crowd is refused from memory', async () => {
    const sku = uniqueSku('warm-out');
    await createSkuWithKeys(stack, sku, []);
    expect((await prewarm(sku)).body).toMatchObject({ available: 0, soldOut: true });
    // Keys added behind the API's back (not through the import, which forgets the memory): still refused for the moment.
    await stack.db.cardKey.create({ data: { sku, secret: 'x', fingerprint: `fp-${sku}`, status: 'AVAILABLE' } });
    const refused = await request('POST', `${stack.api.url}/api/orders`, { json: { sku, quantity: 1, email: 'warm@example.com', channel: 'epay' } });
    expect(refused.status).toBe(409);
  });

  it('is for staff, and names an unknown SKU', async () => {
    expect((await prewarm('whatever', {})).status).toBe(401);
    const unknown = await prewarm(uniqueSku('nope'));
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('unknown_sku');
    // An order still goes through after a prewarm (nothing was reserved or held by it).
    const sku = uniqueSku('warm-order');
    await createSkuWithKeys(stack, sku, ['W-1']);
    await prewarm(sku);
    await expect(placeOrder(stack, sku)).resolves.toMatchObject({ status: 'AWAITING_PAYMENT' });
  });
});

async function backends(stack: Stack): Promise<number> {
  const [row] = await stack.db.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS "n" FROM pg_stat_activity WHERE datname = current_database()`;
  return row.n;
}
