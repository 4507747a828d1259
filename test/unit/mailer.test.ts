import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { createSmtpMailer } from '../../src/mail/mailer';

// A real SMTP server that counts the connections the mailer opens. Each new connection waits for
// the greeting (smtp-server holds it 100 ms), so how often the pool reconnects is mail latency.
describe('the SMTP mailer', () => {
  let server: SMTPServer;
  let port: number;
  let connections = 0;
  let received = 0;
  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onConnect(_session, callback) {
        connections += 1;
        callback();
      },
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => {
          received += 1;
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('keeps one pooled connection open for hundreds of mails instead of reconnecting every 100', async () => {
    const mailer = createSmtpMailer(`smtp://127.0.0.1:${port}`, 'shop@example.com');
    try {
      for (let i = 0; i < 250; i++) await mailer.send({ to: 'buyer@example.com', subject: `mail ${i}`, text: 'hello' });
    } finally {
      mailer.close();
    }
    expect(received).toBe(250);
    expect(connections).toBe(1);
  });
});
