import net from 'node:net';
import nodemailer from 'nodemailer';
import { startSmtpSink, type SmtpSink } from '../../src/dev/sandbox/smtp-sink';

/** Opens a connection, starts a mail, and vanishes with a TCP reset, as a SIGKILLed sender does. */
async function dieMidMail(port: number): Promise<void> {
  const socket = net.connect(port, '127.0.0.1');
  let seen = '';
  const waitFor = (code: string) =>
    new Promise<void>((resolve) => {
      const onData = (d: Buffer) => {
        seen += d;
        if (seen.includes(code)) {
          socket.off('data', onData);
          seen = '';
          resolve();
        }
      };
      socket.on('data', onData);
    });
  await waitFor('220');
  socket.write('EHLO killed.example\r\n');
  await waitFor('250 ');
  socket.write('MAIL FROM:<shop@example.com>\r\n');
  await waitFor('250');
  socket.resetAndDestroy();
  await new Promise((r) => setTimeout(r, 50));
}

describe('the sandbox SMTP sink', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink(0);
  });
  afterAll(() => sink.close());

  it('keeps accepting mail after senders die in the middle of a mail, again and again', async () => {
    for (let i = 0; i < 3; i++) await dieMidMail(sink.port);
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true });
    await transport.sendMail({ from: 'shop@example.com', to: 'buyer@example.com', subject: 'after the resets', text: 'still here' });
    transport.close();
    expect(sink.messages()[0]).toMatchObject({ to: 'buyer@example.com', subject: 'after the resets' });
  });
});
