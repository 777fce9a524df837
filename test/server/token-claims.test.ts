import { KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, importJWK } from 'jose';
import { validateConfig } from '../../server/config.ts';
import { mintToken } from '../../server/token-signing.ts';
import type { User } from '../../server/store/types.ts';

const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);

describe('token claims (docs/grafana-jwt.md#recommended)', () => {
  it('signs ES256 with a kid and exactly the claims Grafana needs', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const config = validateConfig({ publicUrl: 'https://sso.example.com', instances: [{ id: 'prod', url: 'https://g.example.com' }] });
    const user: User = { id: '6f1c', login: 'alice', email: 'alice@example.com', name: 'Alice A', passwordHash: 'x', disabled: false, isAdmin: false, groups: ['devs'], grants: {}, createdAt: 0, updatedAt: 0 };
    const minted = await mintToken({ signer: { kid: 'k1', key: KeyObject.from(privateKey) }, issuer: config.publicUrl, instance: config.instances[0]!, user, role: 'Editor', nowMs: NOW + 999, lifetimeSeconds: 300 });

    expect(decodeProtectedHeader(minted.token)).toEqual({ alg: 'ES256', kid: 'k1', typ: 'JWT' });
    // The raw R‖S signature JOSE specifies is 64 bytes for P-256, not DER.
    expect(Buffer.from(minted.token.split('.')[2]!, 'base64url')).toHaveLength(64);
    const { payload } = await jwtVerify(minted.token, await importJWK(await exportJWK(publicKey), 'ES256'), { currentDate: new Date(NOW) });
    const iat = Math.floor(NOW / 1000);
    expect(payload).toEqual({
      sub: '6f1c', login: 'alice', email: 'alice@example.com', name: 'Alice A', role: 'Editor',
      iss: 'https://sso.example.com', aud: 'grafana:prod', iat, nbf: iat, exp: iat + 300, jti: minted.jti,
    });
    expect(typeof payload.aud).toBe('string');
    expect(minted.jti).toMatch(/^[\w-]{22}$/);
  });
});
