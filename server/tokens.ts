import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { seconds } from './clock.ts';
import type { InstanceConfig } from './config.ts';
import type { Signer } from './keys.ts';
import type { GrafanaRole } from './roles.ts';
import type { User } from './store/types.ts';

export interface MintedToken {
  token: string;
  jti: string;
  iat: number;
  exp: number;
}

/**
 * The claims Grafana's [auth.jwt] needs (grafana-jwt.md §7), nothing more: a stable `sub`, `login` and
 * `email` for username_claim/email_claim, `name`, `role` in Grafana's exact casing for
 * role_attribute_path, `iss` and one `aud` string for expect_claims, and a short `exp`.
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
  const jti = randomBytes(16).toString('base64url');
  const token = await new SignJWT({ login: o.user.login, email: o.user.email, name: o.user.name, role: o.role })
    .setProtectedHeader({ alg: 'ES256', kid: o.signer.kid, typ: 'JWT' })
    .setSubject(o.user.id)
    .setIssuer(o.issuer)
    .setAudience(o.instance.audience)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(exp)
    .setJti(jti)
    .sign(o.signer.key);
  return { token, jti, iat, exp };
}
