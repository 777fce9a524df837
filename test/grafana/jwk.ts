/**
 * Verification keys as go-jose sees them. Parsing is strict in the way go-jose's JSONWebKeySet decoding
 * is: one key it cannot parse (unknown kty, X25519, a non-string kid, a point not on the curve) makes the
 * whole set fail, not just that key.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

export interface VerificationKey {
  /** '' when the key has no kid: go-jose compares the token's kid ('' when absent) with this. */
  kid: string;
  kind: 'asymmetric' | 'hmac';
  key: KeyObject | Uint8Array;
  /**
   * False for private keys: go-jose loads them (PEM "PRIVATE KEY", or a JWK with `d`) but its verifier
   * only accepts public keys, so every token checked against one fails.
   */
  canVerify: boolean;
}

export class KeyParseError extends Error {
  override name = 'KeyParseError';
}

export function parseJwk(value: unknown): VerificationKey {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new KeyParseError('JWK is not a JSON object');
  }
  const jwk = value as Record<string, unknown>;
  if (jwk.kid !== undefined && typeof jwk.kid !== 'string') throw new KeyParseError('JWK kid is not a string');
  const kid = (jwk.kid as string | undefined) ?? '';
  const str = (name: string): string => {
    const v = jwk[name];
    if (typeof v !== 'string' || v === '') throw new KeyParseError(`JWK (${String(jwk.kty)}) lacks "${name}"`);
    return v;
  };
  const isPrivate = jwk.d !== undefined;

  try {
    switch (jwk.kty) {
      case 'EC': {
        const crv = str('crv');
        if (!['P-256', 'P-384', 'P-521'].includes(crv)) throw new KeyParseError(`unsupported EC curve ${crv}`);
        const pub = { kty: 'EC', crv, x: str('x'), y: str('y') };
        return { kid, kind: 'asymmetric', key: publicOrPrivate(pub, jwk, isPrivate), canVerify: !isPrivate };
      }
      case 'RSA': {
        const pub = { kty: 'RSA', n: str('n'), e: str('e') };
        return { kid, kind: 'asymmetric', key: publicOrPrivate(pub, jwk, isPrivate), canVerify: !isPrivate };
      }
      case 'OKP': {
        // go-jose knows Ed25519 only; X25519 (an encryption key) breaks the set.
        const crv = str('crv');
        if (crv !== 'Ed25519') throw new KeyParseError(`unsupported OKP curve ${crv}`);
        const pub = { kty: 'OKP', crv, x: str('x') };
        return { kid, kind: 'asymmetric', key: publicOrPrivate(pub, jwk, isPrivate), canVerify: !isPrivate };
      }
      case 'oct':
        return { kid, kind: 'hmac', key: new Uint8Array(Buffer.from(str('k'), 'base64url')), canVerify: true };
      default:
        throw new KeyParseError(`unknown kty ${JSON.stringify(jwk.kty)}`);
    }
  } catch (err) {
    if (err instanceof KeyParseError) throw err;
    throw new KeyParseError(`invalid ${String(jwk.kty)} JWK: ${(err as Error).message}`);
  }
}

function publicOrPrivate(pub: Record<string, string>, jwk: Record<string, unknown>, isPrivate: boolean): KeyObject {
  if (isPrivate) return createPrivateKey({ key: jwk as never, format: 'jwk' });
  return createPublicKey({ key: pub, format: 'jwk' });
}

/** A JWKS document: `{keys: [...]}`. A JSON object without `keys` is an empty set (that is what gets cached). */
export function parseJwksDocument(doc: unknown): VerificationKey[] {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new KeyParseError('JWKS is not a JSON object');
  }
  const keys = (doc as Record<string, unknown>).keys;
  if (keys === undefined || keys === null) return [];
  if (!Array.isArray(keys)) throw new KeyParseError('JWKS "keys" is not an array');
  return keys.map(parseJwk);
}

/** go-jose JSONWebKeySet.Key(kid): exact, case-sensitive; an absent kid only matches keys without one. */
export function keysForKid(keys: readonly VerificationKey[], kid: string): VerificationKey[] {
  return keys.filter((k) => k.kid === kid);
}
