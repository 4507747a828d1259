import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../../src/config';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';
export const TEST_SUPPORT_TOKEN = 'test-support-token-0123456789';
export const TEST_EPAY = { pid: '1001', key: 'test-epay-key-0123456789abcdef' };

/** A validated configuration pointing at the run's dev server and database, with a queue of its own. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig(
    {
      NODE_ENV: 'test',
      DATABASE_URL: process.env.DATABASE_URL,
      TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: `test-${randomBytes(6).toString('hex')}`,
      ADMIN_TOKENS: `alice=${TEST_SUPPORT_TOKEN}`,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      CARD_KEY_ENCRYPTION_KEY: '11'.repeat(32),
      PAYLOAD_ENCRYPTION_KEYS: `test=${'22'.repeat(32)}`,
      EPAY_PID: TEST_EPAY.pid,
      EPAY_KEY: TEST_EPAY.key,
      EPAY_API_URL: 'http://127.0.0.1:9',
      PAYMENT_DEADLINE: '1m',
      PAYMENT_POLL_INTERVAL: '0',
      LOG_LEVEL: 'silent',
      // Tests place many orders from one address and one email, faster than admission's default
      // rate; the limits and admission have tests of their own (the npm start e2e runs the defaults).
      ORDER_RATE_LIMIT_PER_IP: '0',
      MAX_OPEN_ORDERS_PER_EMAIL: '0',
      ADMISSION: 'off',
      ...env,
    },
    { secretsDir: `${process.env.KEYFLOW_TEST_TMP}/secrets-unused` },
  );
}

export const uniqueSku = (prefix = 'sku') => `${prefix}-${randomBytes(5).toString('hex')}`;
