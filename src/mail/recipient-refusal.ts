/**
 * The mail server refused the recipient for good (its answer to RCPT TO was a 5xx): no later try
 * delivers this message, unlike a server that is down or busy (4xx, connection errors), which
 * retries outlast. Returns the server's status codes without its text, which names the address.
 */
export function recipientRefusal(error: unknown): string | undefined {
  const { code, responseCode, response } = (error ?? {}) as { code?: string; responseCode?: number; response?: string };
  if (code !== 'EENVELOPE' || responseCode === undefined || responseCode < 500 || responseCode > 599) return undefined;
  const enhanced = /\b5\.\d{1,3}\.\d{1,3}\b/.exec(response ?? '')?.[0];
  return enhanced ? `${responseCode} ${enhanced}` : String(responseCode);
}
