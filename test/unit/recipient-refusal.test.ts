import { createSmtpMailer } from '../../src/mail/mailer';
import { recipientRefusal } from '../../src/mail/recipient-refusal';
import { startSmtpSink, type SmtpSink } from '../../src/dev/sandbox/smtp-sink';

// Real SMTP answers through nodemailer, so the errors classified are the ones the worker sees.
describe('a recipient refused for good, told apart from a mail server that is down', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink(0);
  });
  afterAll(() => sink.close());

  const sendTo = async (to: string): Promise<unknown> => {
    const mailer = createSmtpMailer(`smtp://127.0.0.1:${sink.port}`, 'shop@example.com');
    try {
      await mailer.send({ to, subject: 'keys', text: 'KEY-1' });
      return undefined;
    } catch (error) {
      return error;
    } finally {
      mailer.close();
    }
  };

  it('a 550 to RCPT TO is a refusal, given by its codes without the address', async () => {
    const error = await sendTo('nobody@mailbox.invalid');
    expect(error).toBeInstanceOf(Error);
    expect(recipientRefusal(error)).toBe('550 5.1.1');
  });

  it("a 501 to RCPT TO (the address's syntax, here from a server without enhanced codes) is a refusal too", async () => {
    // Valid to the API's schema (labels of 63), too long a path for this server.
    const label = 'a'.repeat(63);
    const error = await sendTo(`0@${label}.${label}.${label}.${'a'.repeat(60)}`);
    expect(error).toBeInstanceOf(Error);
    expect(recipientRefusal(error)).toBe('501');
  });

  it('a server refusing service (421), a refusal about policy (5.7.x) or without its enhanced code, or a mail that went through is not', async () => {
    expect(await sendTo('buyer@example.com')).toBeUndefined();
    sink.setFaults({ down: true });
    try {
      const error = await sendTo('buyer@example.com');
      expect(error).toBeInstanceOf(Error);
      expect(recipientRefusal(error)).toBeUndefined();
    } finally {
      sink.setFaults({});
    }
    expect(recipientRefusal(Object.assign(new Error('connection refused'), { code: 'ECONNECTION' }))).toBeUndefined();
    expect(recipientRefusal(Object.assign(new Error('auth'), { code: 'EAUTH', responseCode: 535 }))).toBeUndefined();
    // A 5xx about policy is most often the shop's own mail settings: retried, never a verdict on the buyer.
    const policy = { code: 'EENVELOPE', responseCode: 550, response: '550 5.7.1 <nobody@example.com>: Relay access denied' };
    expect(recipientRefusal(Object.assign(new Error('relay'), policy))).toBeUndefined();
    expect(recipientRefusal(Object.assign(new Error('bare'), { code: 'EENVELOPE', responseCode: 550, response: '550 rejected' }))).toBeUndefined();
    expect(recipientRefusal(Object.assign(new Error('domain'), { ...policy, response: '550 5.1.2 bad destination domain' }))).toBe('550 5.1.2');
    // The shop's own address refused (MAIL FROM) says nothing about the buyer's.
    const sender = { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 553, response: '553 5.1.8 sender domain does not exist' };
    expect(recipientRefusal(Object.assign(new Error('sender'), sender))).toBeUndefined();
    expect(recipientRefusal(Object.assign(new Error('sender'), { ...sender, responseCode: 501, response: '501 bad sender' }))).toBeUndefined();
  });
});
