import { createSmtpMailer } from '../../src/mail/mailer';
import { withBreaker, MailServerUnavailable } from '../../src/mail/breaker';
import { startSmtpPeer, type SmtpPeer } from '../support/smtp-peer';

describe('the mail breaker', () => {
  let peer: SmtpPeer;
  beforeAll(async () => {
    peer = await startSmtpPeer();
  });
  afterAll(() => peer.close());

  it('fails at once while the server is down, probes once after the cooldown, and sends again when it is back', async () => {
    let clock = 0;
    const mailer = withBreaker(createSmtpMailer(`smtp://127.0.0.1:${peer.port}`, 'shop@example.com'), { cooldownMs: 2000, now: () => clock });
    const send = (to: string) => mailer.send({ to, subject: 's', text: 't' });
    try {
      await send('before@example.com');
      peer.down = true;
      await expect(send('first@example.com')).rejects.toThrow(/service down/);
      const offered = peer.connections;

      // Within the cooldown: no connection, no waiting for a greeting.
      const started = performance.now();
      for (let i = 0; i < 20; i++) await expect(send(`waiting${i}@example.com`)).rejects.toBeInstanceOf(MailServerUnavailable);
      expect(performance.now() - started).toBeLessThan(100);
      expect(peer.connections).toBe(offered);

      // After the cooldown one probe reaches the server; still down, so the breaker opens again.
      clock += 2001;
      const probe = await send('probe@example.com').catch((error: unknown) => error);
      expect(probe).not.toBeInstanceOf(MailServerUnavailable);
      expect(String(probe)).toMatch(/service down/);
      expect(peer.connections).toBeGreaterThan(offered);
      await expect(send('after-probe@example.com')).rejects.toBeInstanceOf(MailServerUnavailable);

      peer.down = false;
      clock += 2001;
      await send('back@example.com');
      await send('next@example.com');
      expect(peer.received).toEqual(['before@example.com', 'back@example.com', 'next@example.com']);
    } finally {
      mailer.close();
    }
  });

  it('does not open for a message the server rejects while it is up', async () => {
    const mailer = withBreaker(createSmtpMailer(`smtp://127.0.0.1:${peer.port}`, 'shop@example.com'), { cooldownMs: 60_000 });
    try {
      await expect(mailer.send({ to: 'nobody@example.com', subject: 's', text: 't' })).rejects.toThrow(/no such user/);
      await mailer.send({ to: 'somebody@example.com', subject: 's', text: 't' });
      expect(peer.received).toContain('somebody@example.com');
    } finally {
      mailer.close();
    }
  });
});
