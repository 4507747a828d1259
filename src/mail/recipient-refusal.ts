/**
 * The mail server refused the recipient's address for good: its answer to RCPT TO was a 5xx with
 * an enhanced status code of class 5.1 (no such mailbox, no such domain, a malformed address), or a
 * 501 (the address's syntax; servers without enhanced codes give it bare). No later try delivers
 * that message. Anything else is retried: a server that is down or busy (4xx, connection errors),
 * and also a 5xx about policy, such as 5.7.1 "relaying denied", or any answer to MAIL FROM (the
 * shop's own address), which usually mean the shop's own mail settings are wrong and would
 * otherwise give up on every buyer at once. Returns the server's codes without its text, which
 * names the address.
 */
export function recipientRefusal(error: unknown): string | undefined {
  const { code, command, responseCode, response } = (error ?? {}) as { code?: string; command?: string; responseCode?: number; response?: string };
  if (code !== 'EENVELOPE' || (command !== undefined && command !== 'RCPT TO')) return undefined;
  if (responseCode === undefined || responseCode < 500 || responseCode > 599) return undefined;
  const enhanced = /\b5\.1\.\d{1,3}\b/.exec(response ?? '')?.[0];
  if (enhanced) return `${responseCode} ${enhanced}`;
  return responseCode === 501 ? '501' : undefined;
}
