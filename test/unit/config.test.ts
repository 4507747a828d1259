import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';
import { parseDuration } from '../../src/config/duration';

const tmpDir = () => mkdtempSync(path.join(os.tmpdir(), 'keyflow-config-'));

describe('loadConfig', () => {
  it('uses the defaults of docs/design.md and generates local secrets once', () => {
    const dir = tmpDir();
    const config = loadConfig({}, { secretsDir: dir });
    expect(config).toMatchObject({
      mode: 'local',
      databaseUrl: 'postgresql://postgres@127.0.0.1:5432/keyflow',
      temporal: { address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'orders', uiPort: 8233 },
      port: 3000,
      publicBaseUrl: 'http://127.0.0.1:3000',
      sandboxPort: 3100,
      smtpUrl: 'smtp://127.0.0.1:2525',
      searchBuyerEmail: true,
      order: {
        paymentDeadlineMs: 900_000,
        paymentPollIntervalMs: 30_000,
        latePaymentPolicy: 'fulfil',
        restockWaitMs: 600_000,
        deliverySlaMs: 120_000,
        maxQuantity: 10,
        stockHolds: true,
      },
      reconcileIntervalMs: 300_000,
    });
    // Two local sandbox gateways: epay, and epay-backup on the port after it, each with its own merchant.
    expect(config.epayInstances.map((e) => [e.name, e.apiUrl, e.sandboxPort, e.payTypes, e.weight])).toEqual([
      ['epay', 'http://127.0.0.1:3100', 3100, ['alipay', 'wxpay'], 1],
      ['epay-backup', 'http://127.0.0.1:3101', 3101, ['alipay', 'wxpay'], 1],
    ]);
    expect(config.epayInstances[0].pid).not.toBe(config.epayInstances[1].pid);
    expect(config.channelProbeIntervalMs).toBe(15_000);
    expect(config.localSecrets?.createdNow).toEqual([
      'ADMIN_TOKEN',
      'CARD_KEY_ENCRYPTION_KEY',
      'PAYLOAD_ENCRYPTION_KEYS',
      'EPAY_PID',
      'EPAY_KEY',
      'EPAY_BACKUP_PID',
      'EPAY_BACKUP_KEY',
    ]);
    const file = path.join(dir, 'local-secrets.json');
    expect(statSync(file).mode & 0o077).toBe(0);

    const again = loadConfig({}, { secretsDir: dir });
    expect(again.localSecrets?.createdNow).toEqual([]);
    expect(again.adminTokens.get('admin')).toBe(config.adminTokens.get('admin'));
    expect(again.cardKeyEncryptionKey.equals(config.cardKeyEncryptionKey)).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8')).EPAY_KEY).toBe(config.epayInstances[0].key);
  });

  it('lets the environment win over generated secrets and defaults', () => {
    const config = loadConfig(
      {
        PORT: '4000',
        ADMIN_TOKEN: 'x'.repeat(20),
        ADMIN_TOKENS: `alice=${'a'.repeat(16)},bob=${'b'.repeat(16)}`,
        PAYMENT_DEADLINE: '2s',
        EPAY_API_URL: 'https://pay.example.com/',
      },
      { secretsDir: tmpDir() },
    );
    expect(config.port).toBe(4000);
    expect([...config.adminTokens.keys()].sort()).toEqual(['admin', 'alice', 'bob']);
    expect(config.order.paymentDeadlineMs).toBe(2000);
    // A real gateway for `epay`: no local sandbox, so no second one either.
    expect(config.epayInstances.map((e) => [e.name, e.apiUrl, e.sandboxPort])).toEqual([['epay', 'https://pay.example.com', undefined]]);
    expect(config.localSecrets?.used).not.toContain('ADMIN_TOKEN');
  });

  it('defines more Epay instances from EPAY_<NAME>_* and says what is missing', () => {
    const config = loadConfig(
      {
        EPAY_API_URL: 'https://pay.example.com',
        EPAY_FAST_PID: '2002',
        EPAY_FAST_KEY: 'fast-epay-key-0123456789',
        EPAY_FAST_API_URL: 'https://fastpay.example.net/',
        EPAY_FAST_PAY_TYPES: 'wxpay',
        EPAY_FAST_WEIGHT: '3',
      },
      { secretsDir: tmpDir() },
    );
    expect(config.epayInstances.map((e) => [e.name, e.pid, e.apiUrl, e.payTypes, e.weight])).toEqual([
      ['epay', expect.any(String), 'https://pay.example.com', ['alipay', 'wxpay'], 1],
      ['epay-fast', '2002', 'https://fastpay.example.net', ['wxpay'], 3],
    ]);
    const half = captureError(() => loadConfig({ EPAY_SLOW_PID: '3003', EPAY_SLOW_WEIGHT: 'heavy' }, { secretsDir: tmpDir() }));
    expect((half as ConfigError).problems).toEqual(['Epay instance epay-slow is half configured: set EPAY_SLOW_KEY, EPAY_SLOW_API_URL too']);
  });

  it('requires every secret in production and says which', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    const error = captureError(() => loadConfig({ NODE_ENV: 'production', EPAY_PID: '1001' }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(
      expect.arrayContaining([
        'ADMIN_TOKEN or ADMIN_TOKENS is required when NODE_ENV=production',
        'CARD_KEY_ENCRYPTION_KEY is required when NODE_ENV=production',
        'PAYLOAD_ENCRYPTION_KEYS is required when NODE_ENV=production',
        'PUBLIC_BASE_URL is required when NODE_ENV=production',
        'Epay instance epay is half configured: set EPAY_KEY, EPAY_API_URL too',
      ]),
    );
  });

  it.each([
    [{ PAYMENT_DEADLINE: '15 minutes' }, 'PAYMENT_DEADLINE must be a duration'],
    [{ PORT: 'eighty' }, 'PORT'],
    [{ ADMIN_TOKEN: 'short' }, 'ADMIN_TOKEN must be at least 16 characters'],
    [{ CARD_KEY_ENCRYPTION_KEY: 'abcd' }, 'CARD_KEY_ENCRYPTION_KEY must be 32 bytes'],
    [{ PAYLOAD_ENCRYPTION_KEYS: 'k1' }, 'PAYLOAD_ENCRYPTION_KEYS must be name=value pairs'],
    [{ ADMIN_TOKENS: 'alice=short' }, 'ADMIN_TOKENS: the value for "alice" must be at least 16 characters'],
    [{ LATE_PAYMENT_POLICY: 'keep' }, 'LATE_PAYMENT_POLICY'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    [{ ADMISSION: 'fast' }, 'ADMISSION must be auto, off, or a rate such as 40/s'],
    [{ ADMISSION: '0/s' }, 'ADMISSION rate must be above 0/s'],
  ])('explains a bad value: %p', (env, message) => {
    expect(() => loadConfig(env as NodeJS.ProcessEnv, { secretsDir: tmpDir() })).toThrow(message);
  });

  it('reads ADMISSION as auto (the default), off, or a fixed rate', () => {
    const dir = tmpDir();
    expect(loadConfig({}, { secretsDir: dir }).admission).toMatchObject({ mode: 'auto', burstMs: 2000, maxWaitMs: 120_000, targetLagMs: 2000 });
    expect(loadConfig({ ADMISSION: 'off' }, { secretsDir: dir }).admission.mode).toBe('off');
    expect(loadConfig({ ADMISSION: '40/s' }, { secretsDir: dir }).admission).toMatchObject({ mode: 'fixed', fixedRatePerSec: 40 });
  });

  it('keeps workflow stack traces off unless WORKFLOW_STACK_TRACES=on, and names the variable when it is neither', () => {
    const dir = tmpDir();
    expect(loadConfig({}, { secretsDir: dir }).workflowStackTraces).toBe(false);
    expect(loadConfig({ WORKFLOW_STACK_TRACES: 'on' }, { secretsDir: dir }).workflowStackTraces).toBe(true);
    expect(() => loadConfig({ WORKFLOW_STACK_TRACES: 'yes' }, { secretsDir: dir })).toThrow(/WORKFLOW_STACK_TRACES/);
  });

  it('accepts base64 and hex encryption keys', () => {
    const base64 = Buffer.alloc(32, 9).toString('base64');
    const config = loadConfig({ CARD_KEY_ENCRYPTION_KEY: base64, PAYLOAD_ENCRYPTION_KEYS: `new=${'ab'.repeat(32)},old=${base64}` }, { secretsDir: tmpDir() });
    expect(config.cardKeyEncryptionKey.equals(Buffer.alloc(32, 9))).toBe(true);
    expect(config.payloadEncryptionKeys.map((k) => k.id)).toEqual(['new', 'old']);
  });
});

describe('parseDuration', () => {
  it.each([
    ['15m', 900_000],
    ['30s', 30_000],
    ['250ms', 250],
    ['1h', 3_600_000],
    ['0', 0],
    ['1.5s', 1500],
  ])('%s → %i ms', (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(['', '15', 'm', '-1s', '1 s'])('refuses %p', (text) => expect(parseDuration(text)).toBeUndefined());
});

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}
