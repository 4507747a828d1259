import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { createCodecServer } from '../../src/codec-server/app';
import { UNENCRYPTED_MARKER, EncryptionCodec } from '../../src/temporal/encryption-codec';
import { createSkuWithKeys, payInSandbox, placeOrder, request, startStack, waitForStatus, type Stack } from '../support/stack';
import { uniqueSku } from '../support/config';

const TOKEN = 'codec-token-0123456789abcdef';
const UI = 'http://127.0.0.1:8233';

describe('encrypted history and the codec server', () => {
  let stack: Stack;
  let server: http.Server;
  let url: string;
  let orderNo: string;
  let rawPayloads: Array<{ metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }>;

  beforeAll(async () => {
    stack = await startStack();
    const codec = new EncryptionCodec(stack.config.payloadEncryptionKeys);
    server = http.createServer(createCodecServer({ codec, allowedOrigins: [UI], token: TOKEN }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const sku = uniqueSku('codec');
    await createSkuWithKeys(stack, sku, ['CODEC-KEY-1']);
    const order = await placeOrder(stack, sku);
    orderNo = order.orderNo;
    await payInSandbox(stack, order);
    await waitForStatus(stack.db, orderNo, 'DELIVERED');
    await stack.temporal.workflow.getHandle(`order-${orderNo}`).result();

    // Read the history as anyone with access to Temporal but not the keys would.
    const connection = await Connection.connect({ address: stack.config.temporal.address });
    const plainClient = new Client({ connection, namespace: stack.config.temporal.namespace });
    const history = await plainClient.workflow.getHandle(`order-${orderNo}`).fetchHistory();
    await connection.close();
    const started = history.events!.find((e) => e.workflowExecutionStartedEventAttributes)!;
    rawPayloads = started.workflowExecutionStartedEventAttributes!.input!.payloads!;
  });
  afterAll(async () => {
    server.close();
    await stack.stop();
  });

  it('stores the order unreadable in Temporal', () => {
    expect(rawPayloads).toHaveLength(1);
    expect(Buffer.from(rawPayloads[0].metadata!.encoding).toString()).toBe('binary/encrypted');
    expect(Buffer.from(rawPayloads[0].data!).toString('latin1')).not.toContain(orderNo);
  });

  const asJson = () => ({
    payloads: rawPayloads.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      data: Buffer.from(p.data!).toString('base64'),
    })),
  });

  it('decodes it through /decode for a caller with the token', async () => {
    const response = await request('POST', `${url}/decode`, { headers: { Authorization: `Bearer ${TOKEN}`, 'X-Namespace': 'default' }, json: asJson() });
    expect(response.status).toBe(200);
    const decoded = response.body.payloads[0];
    const input = JSON.parse(Buffer.from(decoded.data, 'base64').toString());
    expect(input).toMatchObject({ order: { orderNo, channel: 'epay', quantity: 1 } });
    expect(Buffer.from(decoded.metadata.encoding, 'base64').toString()).toBe('json/plain');
  });

  it('refuses a decode without the token, or with a wrong one', async () => {
    expect((await request('POST', `${url}/decode`, { json: asJson() })).status).toBe(401);
    expect((await request('POST', `${url}/decode`, { headers: { Authorization: 'Bearer wrong-token-000000000' }, json: asJson() })).status).toBe(401);
    expect((await request('POST', `${url}/decode`, { headers: { Authorization: `Bearer ${TOKEN}` }, json: { payloads: 'x' } })).status).toBe(400);
  });

  it('answers CORS preflights for the Web UI origin only', async () => {
    const allowed = await fetch(`${url}/decode`, { method: 'OPTIONS', headers: { Origin: UI, 'Access-Control-Request-Method': 'POST' } });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(UI);
    expect(allowed.headers.get('access-control-allow-headers')).toContain('X-Namespace');
    const other = await fetch(`${url}/decode`, { method: 'OPTIONS', headers: { Origin: 'http://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('round-trips through /encode and /decode', async () => {
    const plain = defaultPayloadConverter.toPayload({ hello: 'world' });
    const body = {
      payloads: [{ metadata: { encoding: Buffer.from(plain.metadata!.encoding).toString('base64') }, data: Buffer.from(plain.data!).toString('base64') }],
    };
    const encoded = await request('POST', `${url}/encode`, { headers: { Authorization: `Bearer ${TOKEN}` }, json: body });
    expect(Buffer.from(encoded.body.payloads[0].metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
    const decoded = await request('POST', `${url}/decode`, { headers: { Authorization: `Bearer ${TOKEN}` }, json: encoded.body });
    expect(JSON.parse(Buffer.from(decoded.body.payloads[0].data, 'base64').toString())).toEqual({ hello: 'world' });
  });
});

describe('EncryptionCodec key rotation', () => {
  const oldKey = { id: 'old', key: Buffer.alloc(32, 1) };
  const newKey = { id: 'new', key: Buffer.alloc(32, 2) };

  it('decodes payloads written under an older key, encodes with the first key, and never believes a plain payload', async () => {
    const payload = defaultPayloadConverter.toPayload({ orderNo: 'K1' });
    const [underOld] = await new EncryptionCodec([oldKey]).encode([payload]);
    const rotated = new EncryptionCodec([newKey, oldKey]);
    const [decoded] = await rotated.decode([underOld]);
    expect(defaultPayloadConverter.fromPayload(decoded)).toEqual({ orderNo: 'K1' });
    const [underNew] = await rotated.encode([payload]);
    expect(Buffer.from(underNew.metadata!['encryption-key-id']).toString()).toBe('new');
    await expect(new EncryptionCodec([oldKey]).decode([underNew])).rejects.toThrow('no payload key "new"');
    const [plain] = await rotated.decode([payload]);
    expect(defaultPayloadConverter.fromPayload(plain)).toEqual(UNENCRYPTED_MARKER);
  });

  it('refuses a tampered ciphertext', async () => {
    const codec = new EncryptionCodec([newKey]);
    const [encoded] = await codec.encode([defaultPayloadConverter.toPayload('x')]);
    encoded.data![20] ^= 1;
    await expect(codec.decode([encoded])).rejects.toThrow();
  });
});
