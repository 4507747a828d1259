import { createSmtpMailer } from '../../src/mail/mailer';
import { startSmtpPeer, type SmtpPeer } from '../support/smtp-peer';

// Each new connection waits for the greeting (smtp-server holds it 100 ms), so how often the pool
// reconnects is mail latency.
describe('the SMTP mailer', () => {
  let peer: SmtpPeer;
  beforeAll(async () => {
    peer = await startSmtpPeer();
  });
  afterAll(() => peer.close());

  it('keeps one pooled connection open for hundreds of mails instead of reconnecting every 100', async () => {
    const mailer = createSmtpMailer(`smtp://127.0.0.1:${peer.port}`, 'shop@example.com');
    try {
      for (let i = 0; i < 250; i++) await mailer.send({ to: 'buyer@example.com', subject: `mail ${i}`, text: 'hello' });
    } finally {
      mailer.close();
    }
    expect(peer.received).toHaveLength(250);
    expect(peer.connections).toBe(1);
  });
});
