// The signing reference: how many ES256 tokens one process signs per second, alone. The server's
// real mintToken (node:crypto's one-shot sign with a KeyObject, raw R‖S), beside jose's SignJWT
// (WebCrypto, what the server used first) signing the same header and claims.
import { KeyObject, randomBytes } from 'node:crypto';
import { SignJWT, generateKeyPair } from 'jose';
import { validateConfig } from '../../server/config.ts';
import type { User } from '../../server/store/types.ts';
import { mintToken, signingKey } from '../../server/token-signing.ts';
import { median } from './stats.ts';

export interface SignRate {
  /** Tokens per second, one after another (median of the runs). */
  tokensPerSecond: number;
  microsPerToken: number;
  runs: number[];
}

const claims = { login: 'user1', email: 'user1@example.com', name: 'User 1' };
const issuer = 'http://127.0.0.1:8080';

async function rate(runs: number, ms: number, signOne: () => Promise<unknown> | unknown): Promise<SignRate> {
  for (let i = 0; i < 200; i++) await signOne(); // warm-up
  const perRun: number[] = [];
  for (let r = 0; r < runs; r++) {
    let n = 0;
    const start = performance.now();
    let elapsed = 0;
    while ((elapsed = performance.now() - start) < ms) {
      for (let i = 0; i < 20; i++) await signOne();
      n += 20;
    }
    perRun.push((n * 1000) / elapsed);
  }
  const tokensPerSecond = median(perRun);
  return { tokensPerSecond, microsPerToken: 1e6 / tokensPerSecond, runs: perRun };
}

export async function joseSignRate(runs = 5, ms = 1000): Promise<SignRate> {
  const { privateKey } = await generateKeyPair('ES256');
  return rate(runs, ms, () => {
    const iat = Math.floor(Date.now() / 1000);
    return new SignJWT({ ...claims, role: 'Editor' })
      .setProtectedHeader({ alg: 'ES256', kid: 'bench', typ: 'JWT' })
      .setSubject('6f1c')
      .setIssuer(issuer)
      .setAudience('grafana:grafana')
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + 300)
      .setJti(randomBytes(16).toString('base64url'))
      .sign(privateKey);
  });
}

/** The server's own mintToken (server/token-signing.ts) with a P-256 key, as a token request calls it. */
export async function mintTokenRate(runs = 5, ms = 1000): Promise<SignRate> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const signer = { kid: 'bench', key: signingKey(KeyObject.from(privateKey)) };
  const config = validateConfig({ publicUrl: issuer, instances: [{ id: 'grafana', url: 'http://127.0.0.1:3000' }] });
  const instance = config.instances[0]!;
  const user: User = { id: '6f1c', ...claims, passwordHash: 'x', disabled: false, isAdmin: false, groups: [], grants: {}, createdAt: 0, updatedAt: 0 };
  return rate(runs, ms, () => mintToken({ signer, issuer, instance, user, role: 'Editor', nowMs: Date.now(), lifetimeSeconds: 300 }));
}
