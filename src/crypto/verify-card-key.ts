import type { Db } from '../db/client';
import { CardKeyCipher } from './card-key-cipher';

export class CardKeyMismatchError extends Error {
  constructor(databaseLabel: string) {
    super(
      `CARD_KEY_ENCRYPTION_KEY cannot decrypt the card keys already stored in ${databaseLabel}: the key is not the one they were encrypted with.\n` +
        '  → Restore the previous key (local mode keeps it in .keyflow/local-secrets.json; production in your secret store), or point DATABASE_URL at another database.',
    );
    this.name = 'CardKeyMismatchError';
  }
}

/** Refuses to start with a key that cannot read the stock: otherwise orders would fail at delivery. */
export async function verifyCardKeyEncryptionKey(db: Db, key: Buffer, databaseLabel: string): Promise<void> {
  const sample = await db.cardKey.findFirst({ orderBy: { id: 'desc' }, select: { secret: true } });
  if (!sample) return;
  try {
    new CardKeyCipher(key).decrypt(sample.secret);
  } catch {
    throw new CardKeyMismatchError(databaseLabel);
  }
}
