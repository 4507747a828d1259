import nodemailer from 'nodemailer';
import { inSpan } from '../observability/tracing/spans';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  /** Stable per logical message, so a resent duplicate is recognisable downstream. */
  messageId?: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** SMTP_URL is smtp://[user:pass@]host:port or smtps://… */
export function createSmtpMailer(smtpUrl: string, from: string): Mailer {
  const url = new URL(smtpUrl);
  const secure = url.protocol === 'smtps:';
  const transport = nodemailer.createTransport({
    host: url.hostname,
    port: Number(url.port) || (secure ? 465 : 587),
    secure,
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    // One kept-open connection per slot instead of a TCP + SMTP handshake per mail (docs/performance.md).
    pool: true,
    maxConnections: 4,
    // nodemailer retires a pooled connection after 100 messages by default, and a new one waits for
    // the server's greeting (smtp-server holds it 100 ms to catch early talkers): that was the p99 of
    // every mail. A connection the server closes is replaced anyway.
    maxMessages: Infinity,
    connectionTimeout: 5000,
    greetingTimeout: 5000,
    socketTimeout: 15000,
  });
  return {
    async send(mail) {
      // No recipient or body on the span: the body of a delivery email is the card keys.
      await inSpan('keyflow.mail.send', { 'server.address': url.hostname }, () =>
        transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text, messageId: mail.messageId }),
      );
    },
    close: () => transport.close(),
  };
}
