import { createHash } from 'node:crypto';

/**
 * The address a simulated buyer's requests come from, as X-Forwarded-For: the API believes it from
 * loopback (TRUST_PROXY), so a load generator on this machine is many clients, not one client over
 * its per-client order rate. Stable per buyer: the same buyer keeps its address.
 */
export function buyerAddress(buyer: string | number): string {
  const [a, b, c] = createHash('sha256').update(String(buyer)).digest();
  return `10.${a}.${b}.${c === 0 ? 1 : c}`;
}

export const buyerHeaders = (buyer: string | number) => ({ 'Content-Type': 'application/json', 'X-Forwarded-For': buyerAddress(buyer) });
