/**
 * Grafana's AuthService.Verify: keys for the token's kid, the signature checked against each until one
 * verifies, then the claim rules of claims.ts. jose does the cryptography only (compactVerify with the
 * token's own alg); which keys, which algorithms and every claim rule are decided here.
 */
import { compactVerify } from 'jose';
import type { Clock } from './clock.ts';
import { validateClaims, type AudienceMode, type ClaimExpectations } from './claims.ts';
import type { VerificationKey } from './jwk.ts';
import type { KeySource } from './jwks-cache.ts';
import { isObject, type ParsedToken } from './token.ts';

export class VerifyError extends Error {
  override name = 'VerifyError';
}

/** go-jose v4 refuses HMAC keys shorter than the hash output. */
const HMAC_MIN_BYTES: Record<string, number> = { HS256: 32, HS384: 48, HS512: 64 };

export class JwtVerifier {
  constructor(
    private readonly keys: KeySource,
    private readonly expect: ClaimExpectations,
    private readonly clock: Clock,
    private readonly audienceMode: AudienceMode,
  ) {}

  async verify(token: ParsedToken): Promise<Record<string, unknown>> {
    let candidates: VerificationKey[];
    try {
      candidates = await this.keys.keysFor(token.kid);
    } catch (err) {
      throw new VerifyError(`cannot get key set: ${(err as Error).message}`);
    }
    if (candidates.length === 0) throw new VerifyError(`no keys found for kid ${JSON.stringify(token.kid)}`);

    let claims: Record<string, unknown> | undefined;
    const reasons: string[] = [];
    for (const key of candidates) {
      try {
        claims = await verifyWithKey(token, key);
        break;
      } catch (err) {
        reasons.push((err as Error).message);
      }
    }
    if (!claims) throw new VerifyError(`signature not verified: ${reasons.join('; ')}`);

    try {
      validateClaims(claims, this.expect, this.clock.now(), this.audienceMode);
    } catch (err) {
      throw new VerifyError((err as Error).message);
    }
    return claims;
  }
}

async function verifyWithKey(token: ParsedToken, key: VerificationKey): Promise<Record<string, unknown>> {
  if (!key.canVerify) throw new Error('key is a private key; go-jose cannot verify with it');
  const isHmacAlg = token.alg.startsWith('HS');
  if (isHmacAlg !== (key.kind === 'hmac')) throw new Error(`alg ${token.alg} does not fit a ${key.kind} key`);
  if (isHmacAlg) {
    const min = HMAC_MIN_BYTES[token.alg] ?? Infinity;
    if ((key.key as Uint8Array).length < min) throw new Error(`${token.alg} key shorter than ${min} bytes`);
  }
  const { payload } = await compactVerify(token.compact, key.key, { algorithms: [token.alg] });
  const claims: unknown = JSON.parse(new TextDecoder().decode(payload));
  if (!isObject(claims)) throw new Error('payload is not a JSON object');
  return claims;
}
