import { capturedLogger } from '../support/captured-log';

describe('structured logs', () => {
  it('writes one JSON object per line with the fields given, secrets blanked', () => {
    const { logger, lines } = capturedLogger('test');
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
