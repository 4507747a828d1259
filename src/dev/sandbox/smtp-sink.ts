import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';

export interface ReceivedMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  messageId?: string;
  receivedAt: string;
}

export interface MailFaults {
  /** Each message is accepted only after this delay (a slow notifier). */
  delayMs?: number;
  /** The mail service is down: new connections are refused, open ones refuse every mail. */
  down?: boolean;
}

export interface SmtpSink {
  port: number;
  setFaults(faults: MailFaults): void;
  faults(): MailFaults;
  /** Newest first. */
  messages(): ReceivedMail[];
  /** Connections and mails refused while down, since the start. */
  refused(): number;
  close(): Promise<void>;
}

const MAX_KEPT = 1000;

const serviceDown = () => Object.assign(new Error('mail service down (sandbox fault switch)'), { responseCode: 421 });

/** A real SMTP server (smtp-server) that accepts mail on loopback and keeps it for the mailbox; addresses under `.invalid` it refuses for good. */
export async function startSmtpSink(port: number, host = '127.0.0.1'): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  let faults: MailFaults = {};
  let refused = 0;
  const refuse = () => {
    refused += 1;
    return serviceDown();
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 1024 * 1024,
    onConnect(_session, callback) {
      if (faults.down) return callback(refuse());
      callback();
    },
    // A sender that keeps connections open (a pooled transport) must see the outage too.
    onMailFrom(_address, _session, callback) {
      if (faults.down) return callback(refuse());
      callback();
    },
    // As a real server answers for a mailbox that does not exist: for good (RFC 2606 reserves .invalid).
    onRcptTo(address, _session, callback) {
      if (address.address.toLowerCase().endsWith('.invalid')) return callback(Object.assign(new Error('5.1.1 mailbox unavailable'), { responseCode: 550 }));
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then(async (mail) => {
          if (faults.delayMs) await new Promise((r) => setTimeout(r, faults.delayMs));
          const to = session.envelope.rcptTo.map((r) => r.address).join(', ');
          received.unshift({
            to,
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            messageId: mail.messageId,
            receivedAt: new Date().toISOString(),
          });
          if (received.length > MAX_KEPT) received.length = MAX_KEPT;
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A sender that dies in the middle of a mail (the chaos run SIGKILLs the worker) resets its
  // connection, and smtp-server reports that as an 'error' event; unheard, it would kill the sink.
  server.on('error', () => undefined);
  return {
    port: (server.server.address() as AddressInfo).port,
    messages: () => [...received],
    refused: () => refused,
    setFaults: (next) => void (faults = next),
    faults: () => faults,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
