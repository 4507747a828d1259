import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const FORMAT = 'v1';

/**
 * Encrypts card-key secrets at rest (AES-256-GCM) and fingerprints them for duplicate detection.
 * The fingerprint key is derived from the encryption key, so a leaked fingerprint column alone
 * reveals nothing that can be brute-forced without the key.
 */
export class CardKeyCipher {
  private readonly fingerprintKey: Buffer;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('card key encryption key must be 32 bytes');
    this.fingerprintKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'keyflow card-key fingerprint', 32));
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [FORMAT, iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join(':');
  }

  decrypt(stored: string): string {
    const [format, iv, tag, data] = stored.split(':');
    if (format !== FORMAT || !iv || !tag || data === undefined) throw new Error('unrecognised card key ciphertext');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
  }

  fingerprint(plaintext: string): string {
    return createHmac('sha256', this.fingerprintKey).update(plaintext.trim()).digest('hex');
  }
}
