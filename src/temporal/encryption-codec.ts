import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';

export interface CodecKey {
  id: string;
  key: Buffer;
}

const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : '');

/**
 * What an unencrypted payload decodes to. Everything Keyflow writes is encrypted, so a plain payload
 * came from someone else (a signal from the CLI, a client without the key): it is never believed.
 * It decodes to this marker rather than failing, because a payload that cannot be decoded would fail
 * the workflow task again and again and stall the order; the workflow ignores the marker and says so.
 */
export const UNENCRYPTED_MARKER = { keyflowRejected: 'an unencrypted payload' } as const;
const REJECTED: Payload = { metadata: { encoding: utf8('json/plain') }, data: utf8(JSON.stringify(UNENCRYPTED_MARKER)) };

/**
 * Encrypts every payload Temporal stores (AES-256-GCM). The first key encrypts; every key listed
 * decrypts, so keys can be rotated by putting the new one first. Payloads without the encrypted
 * encoding are refused (see UNENCRYPTED_MARKER).
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly keys: Map<string, Buffer>;
  private readonly current: CodecKey;

  constructor(keys: CodecKey[]) {
    if (keys.length === 0) throw new Error('the payload codec needs at least one key');
    for (const { id, key } of keys) if (key.length !== 32) throw new Error(`payload key "${id}" must be 32 bytes`);
    this.current = keys[0];
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID]: utf8(this.current.id) }, data };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return REJECTED;
      const id = text(payload.metadata?.[KEY_ID]);
      const key = this.keys.get(id);
      if (!key) throw new Error(`no payload key "${id}" is configured (PAYLOAD_ENCRYPTION_KEYS)`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      decipher.setAuthTag(data.subarray(data.length - 16));
      const plain = Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plain) as Payload;
    });
  }
}

export function dataConverterFor(keys: CodecKey[]) {
  return { payloadCodecs: [new EncryptionCodec(keys)] };
}
