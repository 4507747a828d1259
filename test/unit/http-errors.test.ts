import express from 'express';
import type { AddressInfo } from 'node:net';
import { errorHandler } from '../../src/api/http-errors';

describe('the API error handler', () => {
  const logged: string[] = [];
  const logger = { error: (_: object, msg: string) => void logged.push(`error ${msg}`), warn: (_: object, msg: string) => void logged.push(`warn ${msg}`) };
  let server: ReturnType<express.Express['listen']>;
  let url: string;

  beforeAll(async () => {
    const app = express();
    app.get('/busy-database', () => {
      // What Prisma throws when no pooled connection frees up in time to start a transaction.
      throw Object.assign(new Error('Transaction API error: Unable to start a transaction in the given time.'), { code: 'P2028' });
    });
    app.get('/bug', () => {
      throw new TypeError('x is undefined');
    });
    app.use(errorHandler(logger));
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('answers a database that is down or too busy with 503 and Retry-After, never 500', async () => {
    const response = await fetch(`${url}/busy-database`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toEqual({
      error: 'unavailable',
      message: 'the shop is too busy to answer right now; try again shortly',
      retryAfterSeconds: 5,
    });
    expect(logged).toContain('warn request refused: database unavailable');
  });

  it('answers anything else it does not know with a 500 that shows no internals', async () => {
    const response = await fetch(`${url}/bug`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: 'internal', message: 'internal error' });
  });
});
