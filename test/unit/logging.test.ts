import { Writable } from 'node:stream';
import { createLogger } from '../../src/logging';

describe('structured logs', () => {
  it('writes one JSON object per line with the fields given, secrets blanked', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger('test', 'info', sink);
    logger.info(
      { orderNo: 'K1', workflowId: 'order-K1', token: 'secret-token', sign: 'abc', headers: { authorization: 'Bearer x' }, channel: { key: 'k' } },
      'hello',
    );
    const entry = JSON.parse(lines[0]);
    expect(entry).toMatchObject({
      name: 'test',
      orderNo: 'K1',
      workflowId: 'order-K1',
      token: '[redacted]',
      sign: '[redacted]',
      headers: { authorization: '[redacted]' },
      channel: { key: '[redacted]' },
      msg: 'hello',
    });
    expect(lines[0]).not.toContain('secret-token');
  });
});
