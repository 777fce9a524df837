// The signing reference: how many ES256 tokens one process signs per second, alone, with the same
// header and claims the token server puts in a token. jose (WebCrypto, what the server used first)
// and node:crypto's one-shot sign with a KeyObject (raw R‖S, what it uses now).
import { KeyObject, randomBytes, sign } from 'node:crypto';
import { SignJWT, generateKeyPair } from 'jose';
import { median } from './stats.ts';

export interface SignRate {
  /** Tokens per second, one after another (median of the runs). */
  tokensPerSecond: number;
  microsPerToken: number;
  runs: number[];
}

const claims = { login: 'user1', email: 'user1@example.com', name: 'User 1', role: 'Editor' };
const issuer = 'http://127.0.0.1:8080';
const audience = 'grafana:grafana';

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
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'bench', typ: 'JWT' })
      .setSubject('6f1c')
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + 300)
      .setJti(randomBytes(16).toString('base64url'))
      .sign(privateKey);
  });
}

export async function nodeCryptoSignRate(runs = 5, ms = 1000): Promise<SignRate> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const key = KeyObject.from(privateKey);
  const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: 'bench', typ: 'JWT' })).toString('base64url');
  return rate(runs, ms, () => {
    const iat = Math.floor(Date.now() / 1000);
    const payload = { ...claims, sub: '6f1c', iss: issuer, aud: audience, iat, nbf: iat, exp: iat + 300, jti: randomBytes(16).toString('base64url') };
    const input = `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  });
}
