import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SignJWT, generateKeyPair, jwtVerify } from 'jose';
import { validateConfig } from '../../server/config.ts';
import { mintToken, signingKey } from '../../server/token-signing.ts';
import type { User } from '../../server/store/types.ts';

// mintToken signs with node:crypto for speed (docs/benchmarks.md): its tokens must stay exactly what
// jose's SignJWT produced before, byte for byte up to the (randomised) ECDSA signature.
const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);
const config = validateConfig({ publicUrl: 'https://sso.example.com', instances: [{ id: 'prod', url: 'https://g.example.com' }] });
const user: User = { id: '6f1c', login: 'zoë', email: 'zoe@example.com', name: 'Zoë "Z" Ünal', passwordHash: 'x', disabled: false, isAdmin: false, groups: [], grants: {}, createdAt: 0, updatedAt: 0 };

describe('token signing with node:crypto', () => {
  it('produces the header and payload bytes of jose SignJWT and a signature jose verifies', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const minted = await mintToken({ signer: { kid: 'k1', key: KeyObject.from(privateKey) }, issuer: config.publicUrl, instance: config.instances[0]!, user, role: 'Viewer', nowMs: NOW, lifetimeSeconds: 300 });
    const iat = Math.floor(NOW / 1000);
    const reference = await new SignJWT({ login: user.login, email: user.email, name: user.name, role: 'Viewer' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'JWT' })
      .setSubject(user.id)
      .setIssuer(config.publicUrl)
      .setAudience(config.instances[0]!.audience)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + 300)
      .setJti(minted.jti)
      .sign(privateKey);
    const [header, payload, signature] = minted.token.split('.');
    expect(`${header}.${payload}`).toBe(reference.split('.').slice(0, 2).join('.'));
    expect(Buffer.from(signature!, 'base64url')).toHaveLength(64);
    await expect(jwtVerify(minted.token, publicKey, { currentDate: new Date(NOW), algorithms: ['ES256'] })).resolves.toBeTruthy();
  });

  it('gives every token its own jti', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const jtis = new Set<string>();
    for (let i = 0; i < 600; i++) {
      const minted = await mintToken({ signer: { kid: 'k1', key: privateKey }, issuer: config.publicUrl, instance: config.instances[0]!, user, role: 'Viewer', nowMs: NOW, lifetimeSeconds: 300 });
      expect(minted.jti).toMatch(/^[\w-]{22}$/);
      jtis.add(minted.jti);
    }
    expect(jtis.size).toBe(600);
  });

  it('refuses keys that are not P-256 private keys', async () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expect(() => signingKey(p384.privateKey)).toThrow(TypeError);
    expect(() => signingKey(rsa.privateKey)).toThrow(TypeError);
    expect(() => signingKey(p256.publicKey)).toThrow(TypeError);
    expect(signingKey(p256.privateKey)).toBe(p256.privateKey);
  });
});
