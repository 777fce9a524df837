import { KeyObject, randomFillSync, sign } from 'node:crypto';
import { seconds } from './clock.ts';
import type { InstanceConfig } from './config.ts';
import type { GrafanaRole } from './contract/index.ts';
import type { User } from './store/types.ts';

/** The key that signs now, and its JWKS `kid`; KeyManager (keys.ts) chooses it. */
export interface Signer {
  kid: string;
  /** A node:crypto P-256 private key (fast one-shot signing), checked by signingKey() when loaded. */
  key: KeyObject;
}

export interface MintedToken {
  token: string;
  jti: string;
  iat: number;
  exp: number;
}

/**
 * The claims Grafana's [auth.jwt] needs (docs/grafana-jwt.md#recommended), nothing more: a stable `sub`, `login` and
 * `email` for username_claim/email_claim, `name`, `role` in Grafana's exact casing for
 * role_attribute_path, `iss` and one `aud` string for expect_claims, and a short `exp`.
 *
 * A compact JWS (RFC 7515) built by hand and signed with node:crypto: signing is most of a token
 * request's cost, and a one-shot `sign` with a KeyObject costs a fraction of WebCrypto's (jose), which
 * queues every signature on libuv's thread pool. The bytes are the ones jose's SignJWT produces
 * (header `{"alg":"ES256","kid":…,"typ":"JWT"}`, the same claims in the same order, base64url without
 * padding); the signature is raw R‖S (`ieee-p1363`, 64 bytes), as JWA §3.4 requires, not DER.
 */
export async function mintToken(o: {
  signer: Signer;
  issuer: string;
  instance: InstanceConfig;
  user: User;
  role: GrafanaRole;
  nowMs: number;
  lifetimeSeconds: number;
}): Promise<MintedToken> {
  const iat = seconds(o.nowMs);
  const exp = iat + o.lifetimeSeconds;
  const jti = randomId();
  const header = { alg: 'ES256', kid: o.signer.kid, typ: 'JWT' };
  const claims = {
    login: o.user.login,
    email: o.user.email,
    name: o.user.name,
    role: o.role,
    sub: o.user.id,
    iss: o.issuer,
    aud: o.instance.audience,
    iat,
    nbf: iat,
    exp,
    jti,
  };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input), { key: o.signer.key, dsaEncoding: 'ieee-p1363' });
  return { token: `${input}.${signature.toString('base64url')}`, jti, iat, exp };
}

const base64url = (text: string): string => Buffer.from(text).toString('base64url');

/** Checks that a key can sign ES256 (a P-256 private key) before it is ever used; refuses anything else. */
export function signingKey(key: KeyObject): KeyObject {
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new TypeError('ES256 needs a P-256 private key');
  }
  return key;
}

// jti: 16 random bytes from a pooled buffer (one randomFillSync call per 256 ids, not one per id).
const ID_BYTES = 16;
const pool = Buffer.alloc(ID_BYTES * 256);
let poolOffset = pool.length;

function randomId(): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const id = pool.toString('base64url', poolOffset, poolOffset + ID_BYTES);
  // Never hand out the same bytes twice.
  pool.fill(0, poolOffset, poolOffset + ID_BYTES);
  poolOffset += ID_BYTES;
  return id;
}
