import type { Mailer } from './mailer';

/** The mail server refused or could not be reached: sending again right away will not help. */
export class MailServerUnavailable extends Error {
  constructor(cause: unknown) {
    super(`mail server unavailable, not tried again yet: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'MailServerUnavailable';
  }
}

/** nodemailer's codes for a server that is down or refusing service, as opposed to a rejected message. */
const UNAVAILABLE_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EPROTOCOL', 'EDNS']);

function serverUnavailable(error: unknown): boolean {
  const { code, responseCode } = (error ?? {}) as { code?: string; responseCode?: number };
  if (responseCode === 421) return true;
  if (responseCode !== undefined && responseCode >= 500) return false;
  return code !== undefined && UNAVAILABLE_CODES.has(code);
}

/**
 * A mailer that stops calling a mail server that is down. During an outage every waiting email
 * retries on its own durable timer; without this each retry opens a connection and waits for the
 * server's refusal (100 ms and more), and with hundreds waiting those attempts queue in the
 * connection pool and hold the workflow tasks that run them, which new deliveries then wait for.
 * After a failure that says the server is unavailable, sends fail at once for `cooldownMs`; then
 * one send goes through as a probe, and its success lets everything through again.
 */
export function withBreaker(mailer: Mailer, { cooldownMs, now = Date.now }: { cooldownMs: number; now?: () => number }): Mailer {
  let openUntil = 0;
  let lastFailure: unknown;
  let probing = false;
  return {
    async send(mail) {
      if (lastFailure !== undefined && (now() < openUntil || probing)) throw new MailServerUnavailable(lastFailure);
      const probe = lastFailure !== undefined;
      probing = probe;
      try {
        await mailer.send(mail);
        lastFailure = undefined;
      } catch (error) {
        if (serverUnavailable(error)) {
          lastFailure = error;
          openUntil = now() + cooldownMs;
        } else {
          lastFailure = undefined; // the server answered: it is up, this message was the problem
        }
        throw error;
      } finally {
        if (probe) probing = false;
      }
    },
    close: () => mailer.close(),
  };
}
