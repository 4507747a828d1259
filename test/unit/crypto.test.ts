import { CardKeyCipher } from '../../src/crypto/card-key-cipher';
import { ReturnCodes, AccessTokens } from '../../src/crypto/access-token';

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
  it('issues a stable token per order and version and verifies only that one', () => {
    const token = tokens.issue('K261124AAAA', 0);
    expect(tokens.issue('K261124AAAA', 0)).toBe(token);
    expect(tokens.verify('K261124AAAA', 0, token)).toBe(true);
    expect(tokens.verify('K261124BBBB', 0, token)).toBe(false);
    expect(tokens.verify('K261124AAAA', 0, undefined)).toBe(false);
    expect(tokens.verify('K261124AAAA', 0, token.slice(1))).toBe(false);
    expect(new AccessTokens(Buffer.alloc(32, 2)).verify('K261124AAAA', 0, token)).toBe(false);
    // A reissued link: the version moved on, the old token is refused.
    expect(tokens.verify('K261124AAAA', 1, token)).toBe(false);
    expect(tokens.verify('K261124AAAA', 1, tokens.issue('K261124AAAA', 1))).toBe(true);
  });
});

describe('ReturnCodes', () => {
  const codes = new ReturnCodes(Buffer.alloc(32, 1));
  const now = new Date('2026-11-30T12:00:00Z');
  it('are valid for 15 minutes, for their order only, and cannot be forged', () => {
    const code = codes.issue('K261124AAAA', now);
    expect(codes.verify('K261124AAAA', code, now)).toMatch(/^[\w-]{12}$/);
    expect(codes.verify('K261124AAAA', code, new Date(now.getTime() + 14 * 60_000))).toBeDefined();
    expect(codes.verify('K261124AAAA', code, new Date(now.getTime() + 16 * 60_000))).toBeUndefined();
    expect(codes.verify('K261124BBBB', code, now)).toBeUndefined();
    const [expires, nonce] = code.split('.');
    expect(codes.verify('K261124AAAA', `${(parseInt(expires, 36) + 3600).toString(36)}.${nonce}.${code.split('.')[2]}`, now)).toBeUndefined();
    expect(codes.verify('K261124AAAA', undefined, now)).toBeUndefined();
    expect(new ReturnCodes(Buffer.alloc(32, 2)).verify('K261124AAAA', code, now)).toBeUndefined();
  });
});
