import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../server/errors.ts';
import { KeySealer, parseKeyEncryptionKeys } from '../../server/key-encryption.ts';

describe('KeySealer: values sealed at rest under a key-encryption key (issue 8, item 2)', () => {
  const a = randomBytes(32);
  const b = randomBytes(32);

  it('seals so that the value does not appear, and opens it again', () => {
    const sealer = new KeySealer([a]);
    const sealed = sealer.seal('{"d":"private"}', 'signing-key k1');
    expect(sealed).toMatch(/^sealed:v1:/);
    expect(sealed).not.toContain('private');
    expect(sealer.open(sealed, 'signing-key k1')).toBe('{"d":"private"}');
    expect(() => sealer.open(sealed, 'signing-key k2')).toThrow(ConfigError);
  });

  it('without a key, values stay plain; plain values open under any sealer and ask to be sealed', () => {
    expect(new KeySealer([]).seal('x', 'c')).toBe('x');
    expect(new KeySealer([a]).open('{"plain":1}', 'c')).toBe('{"plain":1}');
    expect(new KeySealer([a]).needsResealing('{"plain":1}')).toBe(true);
    expect(new KeySealer([]).needsResealing('{"plain":1}')).toBe(false);
  });

  it('rotation: the new key seals, the old one still opens, and old values ask to be sealed again', () => {
    const old = new KeySealer([a]).seal('secret', 'c');
    const rotating = new KeySealer([b, a]);
    expect(rotating.open(old, 'c')).toBe('secret');
    expect(rotating.needsResealing(old)).toBe(true);
    expect(rotating.needsResealing(rotating.seal('secret', 'c'))).toBe(false);
    expect(() => new KeySealer([b]).open(old, 'c')).toThrow(/not configured/);
  });

  it('reads keys from text: base64, several separated by new lines or commas', () => {
    const keys = parseKeyEncryptionKeys(`${b.toString('base64')}\n${a.toString('base64')}\n`, 'keyEncryptionKeyFile');
    expect(keys.map((k) => k.toString('hex'))).toEqual([b.toString('hex'), a.toString('hex')]);
    expect(() => parseKeyEncryptionKeys('too-short', 'keyEncryptionKey')).toThrow(/openssl rand -base64 32/);
    expect(() => parseKeyEncryptionKeys('  ', 'keyEncryptionKey')).toThrow(ConfigError);
  });
});
