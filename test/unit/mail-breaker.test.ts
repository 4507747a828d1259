import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { createSmtpMailer } from '../../src/mail/mailer';
import { withBreaker, MailServerUnavailable } from '../../src/mail/breaker';

// A real SMTP server that can refuse service (421 at connect and at MAIL FROM, as the sandbox sink
// does) and counts the connections it is offered.
describe('the mail breaker', () => {
  let server: SMTPServer;
  let port: number;
  let down = false;
  let connections = 0;
  const received: string[] = [];
  const refuse = () => Object.assign(new Error('service down'), { responseCode: 421 });
  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onConnect(_session, callback) {
        connections += 1;
        callback(down ? refuse() : undefined);
      },
      onMailFrom(_address, _session, callback) {
        callback(down ? refuse() : undefined);
      },
      onRcptTo(address, _session, callback) {
        callback(address.address.startsWith('nobody') ? Object.assign(new Error('no such user'), { responseCode: 550 }) : undefined);
      },
      onData(stream, session, callback) {
        stream.resume();
        stream.on('end', () => {
          received.push(session.envelope.rcptTo[0].address);
          callback();
        });
      },
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fails at once while the server is down, probes once after the cooldown, and sends again when it is back', async () => {
    let clock = 0;
    const mailer = withBreaker(createSmtpMailer(`smtp://127.0.0.1:${port}`, 'shop@example.com'), { cooldownMs: 2000, now: () => clock });
    const send = (to: string) => mailer.send({ to, subject: 's', text: 't' });
    try {
      await send('before@example.com');
      down = true;
      await expect(send('first@example.com')).rejects.toThrow(/service down/);
      const offered = connections;

      // Within the cooldown: no connection, no waiting for a greeting.
      const started = performance.now();
      for (let i = 0; i < 20; i++) await expect(send(`waiting${i}@example.com`)).rejects.toBeInstanceOf(MailServerUnavailable);
      expect(performance.now() - started).toBeLessThan(100);
      expect(connections).toBe(offered);

      // After the cooldown one probe reaches the server; still down, so the breaker opens again.
      clock += 2001;
      await expect(send('probe@example.com')).rejects.toThrow(/service down/);
      await expect(send('after-probe@example.com')).rejects.toBeInstanceOf(MailServerUnavailable);

      down = false;
      clock += 2001;
      await send('back@example.com');
      await send('next@example.com');
      expect(received).toEqual(['before@example.com', 'back@example.com', 'next@example.com']);
    } finally {
      mailer.close();
    }
  });

  it('does not open for a message the server rejects while it is up', async () => {
    const mailer = withBreaker(createSmtpMailer(`smtp://127.0.0.1:${port}`, 'shop@example.com'), { cooldownMs: 60_000 });
    try {
      await expect(mailer.send({ to: 'nobody@example.com', subject: 's', text: 't' })).rejects.toThrow(/no such user/);
      await mailer.send({ to: 'somebody@example.com', subject: 's', text: 't' });
      expect(received).toContain('somebody@example.com');
    } finally {
      mailer.close();
    }
  });
});
