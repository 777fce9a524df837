/**
 * Grafana's AuthService.Verify: keys for the token's kid, the signature checked against each until one
 * verifies, then the claim rules of claims.ts. jose does the cryptography only (compactVerify with the
 * token's own alg); which keys, which algorithms and every claim rule are decided here.
 */
import { compactVerify } from 'jose';
import type { Clock } from './clock.ts';
import { validateClaims, type ClaimExpectations } from './claims.ts';
import type { VerificationKey } from './jwk.ts';
import type { KeySource } from './jwks-cache.ts';
import { isObject, type ParsedToken } from './token.ts';
import type { VersionRules } from './versions.ts';

export class VerifyError extends Error {
  override name = 'VerifyError';
}

export class JwtVerifier {
  constructor(
    private readonly keys: KeySource,
    private readonly expect: ClaimExpectations,
    private readonly clock: Clock,
    private readonly rules: VersionRules,
  ) {}

  async verify(token: ParsedToken): Promise<Record<string, unknown>> {
    // 12.x parses `none`; no key verifies it.
    if (token.alg === 'none') throw new VerifyError('alg none: unexpected signature algorithm');
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
        claims = await verifyWithKey(token, key, this.rules);
        break;
      } catch (err) {
        reasons.push((err as Error).message);
      }
    }
    if (!claims) throw new VerifyError(`signature not verified: ${reasons.join('; ')}`);
    if (token.nestedDuplicate) throw new VerifyError('claims repeat a member name inside a claim');

    try {
      validateClaims(claims, this.expect, this.clock.now(), this.rules.audience);
    } catch (err) {
      throw new VerifyError((err as Error).message);
    }
    return claims;
  }
}

async function verifyWithKey(token: ParsedToken, key: VerificationKey, rules: VersionRules): Promise<Record<string, unknown>> {
  if (!key.canVerify) throw new Error('key is a private key; go-jose cannot verify with it');
  const isHmacAlg = token.alg.startsWith('HS');
  if (isHmacAlg !== (key.kind === 'hmac')) throw new Error(`alg ${token.alg} does not fit a ${key.kind} key`);
  if (isHmacAlg) {
    const min = rules.hmacMinBytes[token.alg] ?? Infinity;
    if ((key.key as Uint8Array).length < min) throw new Error(`${token.alg} key shorter than ${min} bytes`);
  }
  const { payload } = await compactVerify(token.compact, key.key, { algorithms: [token.alg] });
  const claims: unknown = JSON.parse(new TextDecoder().decode(payload));
  if (!isObject(claims)) throw new Error('payload is not a JSON object');
  return claims;
}
