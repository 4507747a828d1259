import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** K + yymmdd + 9 random characters: 16 letters and digits, sortable by day, unguessable. */
export function newOrderNo(now: Date): string {
  const day = now.toISOString().slice(2, 10).replace(/-/g, '');
  const bytes = randomBytes(9);
  let suffix = '';
  for (const byte of bytes) suffix += ALPHABET[byte % ALPHABET.length];
  return `K${day}${suffix}`;
}

export const ORDER_NO_PATTERN = /^[A-Za-z0-9]{6,32}$/;
