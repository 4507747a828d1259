import { createPrivateKey, createPublicKey, createSign, createVerify, type KeyObject } from 'node:crypto';

/** Accepts a PEM or the bare base64 body channels' consoles hand out (PKCS#8 private / SPKI public). */
export function privateKeyFrom(text: string): KeyObject {
  const pem = text.includes('-----BEGIN') ? text : `-----BEGIN PRIVATE KEY-----\n${text.replace(/\s+/g, '')}\n-----END PRIVATE KEY-----`;
  return createPrivateKey(pem.replace(/\\n/g, '\n'));
}

export function publicKeyFrom(text: string): KeyObject {
  const pem = text.includes('-----BEGIN') ? text : `-----BEGIN PUBLIC KEY-----\n${text.replace(/\s+/g, '')}\n-----END PUBLIC KEY-----`;
  return createPublicKey(pem.replace(/\\n/g, '\n'));
}

/** SHA256withRSA, base64: Alipay's RSA2 and WeChat Pay v3's signature. */
export function rsaSign(message: string, key: KeyObject): string {
  return createSign('RSA-SHA256').update(message, 'utf8').sign(key, 'base64');
}

export function rsaVerify(message: string, signature: string, key: KeyObject): boolean {
  try {
    return createVerify('RSA-SHA256').update(message, 'utf8').verify(key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
