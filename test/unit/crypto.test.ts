import { CardKeyCipher } from '../../src/crypto/card-key-cipher';
import { AccessTokens } from '../../src/crypto/access-token';

describe('CardKeyCipher', () => {
  const cipher = new CardKeyCipher(Buffer.alloc(32, 7));

  it('round-trips and never stores the plaintext', () => {
    const stored = cipher.encrypt('STEAM-ABCD-1234');
    expect(stored).not.toContain('STEAM');
    expect(cipher.decrypt(stored)).toBe('STEAM-ABCD-1234');
    expect(cipher.encrypt('STEAM-ABCD-1234')).not.toBe(stored);
  });

  it('refuses tampered ciphertext and the wrong key', () => {
    const stored = cipher.encrypt('KEY');
    const parts = stored.split(':');
    parts[3] = Buffer.from('KEX').toString('base64');
    expect(() => cipher.decrypt(parts.join(':'))).toThrow();
    expect(() => new CardKeyCipher(Buffer.alloc(32, 8)).decrypt(stored)).toThrow();
    expect(() => cipher.decrypt('garbage')).toThrow('unrecognised');
  });

  it('fingerprints deterministically per key, ignoring surrounding whitespace', () => {
    expect(cipher.fingerprint('K-1')).toBe(cipher.fingerprint('  K-1 '));
    expect(cipher.fingerprint('K-1')).not.toBe(cipher.fingerprint('K-2'));
    expect(new CardKeyCipher(Buffer.alloc(32, 8)).fingerprint('K-1')).not.toBe(cipher.fingerprint('K-1'));
  });

  it('insists on a 32-byte key', () => {
    expect(() => new CardKeyCipher(Buffer.alloc(16))).toThrow('32 bytes');
  });
});

describe('AccessTokens', () => {
  const tokens = new AccessTokens(Buffer.alloc(32, 1));
  it('issues a stable token per order and verifies only that one', () => {
    const token = tokens.issue('K261124AAAA');
    expect(tokens.issue('K261124AAAA')).toBe(token);
    expect(tokens.verify('K261124AAAA', token)).toBe(true);
    expect(tokens.verify('K261124BBBB', token)).toBe(false);
    expect(tokens.verify('K261124AAAA', undefined)).toBe(false);
    expect(tokens.verify('K261124AAAA', token.slice(1))).toBe(false);
    expect(new AccessTokens(Buffer.alloc(32, 2)).verify('K261124AAAA', token)).toBe(false);
  });
});
