/**
 * Reading a token before any key is involved, as go-jose's jwt.ParseSigned does in Grafana.
 *
 * Grafana calls this twice: once in the JWT client's Test() (HasSubClaim: if the token does not parse,
 * its registered claims do not decode, or `sub` is not a non-empty string, the JWT client is SKIPPED and
 * the request falls through to the next client — anonymous or nothing), and once in Verify().
 * Consequences worth knowing: a token with alg `none` or RS384, a numeric `iss`, a string `exp`, a
 * numeric `jti` never reaches signature checking; it is treated like no token at all.
 */

/** Era D's allow-list (go-jose v4 ParseSigned): no `none`, and RS384 is missing. */
export const ALLOWED_ALGORITHMS: readonly string[] = [
  'EdDSA', 'HS256', 'HS384', 'HS512', 'RS256', 'RS512',
  'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512',
];

export interface ParsedToken {
  /** The compact token after Grafana's sanitizeJWT (every '=' removed). */
  compact: string;
  alg: string;
  /** '' when the header has no kid. */
  kid: string;
  claims: Record<string, unknown>;
}

/** Returns undefined where go-jose would return an error. */
export function parseUnverified(raw: string): ParsedToken | undefined {
  // Grafana strips base64 padding anywhere in the token before parsing.
  const compact = raw.replaceAll('=', '');
  const parts = compact.split('.');
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  if (![h, p, s].every((part) => /^[A-Za-z0-9_-]*$/.test(part))) return undefined;

  const header = decodeJson(h);
  if (!isObject(header)) return undefined;
  if (typeof header.alg !== 'string' || !ALLOWED_ALGORITHMS.includes(header.alg)) return undefined;
  if (header.kid !== undefined && typeof header.kid !== 'string') return undefined;

  const claims = decodeJson(p);
  if (!isObject(claims) || !registeredClaimsDecode(claims)) return undefined;
  return { compact, alg: header.alg, kid: (header.kid as string | undefined) ?? '', claims };
}

/** Grafana's HasSubClaim: parses, and `sub` is a non-empty string. */
export function hasSubClaim(token: ParsedToken | undefined): token is ParsedToken {
  return token !== undefined && typeof token.claims.sub === 'string' && token.claims.sub !== '';
}

/**
 * Would the payload decode into go-jose's jwt.Claims struct? Go leaves a field alone on JSON null, and
 * fails on any other wrong type.
 */
function registeredClaimsDecode(claims: Record<string, unknown>): boolean {
  const okString = (v: unknown) => v === undefined || v === null || typeof v === 'string';
  const okNumber = (v: unknown) => v === undefined || v === null || typeof v === 'number';
  const okAudience = (v: unknown) =>
    v === undefined || v === null || typeof v === 'string' || (Array.isArray(v) && v.every((a) => typeof a === 'string'));
  return (
    okString(claims.iss) &&
    okString(claims.sub) &&
    okString(claims.jti) &&
    okAudience(claims.aud) &&
    okNumber(claims.exp) &&
    okNumber(claims.nbf) &&
    okNumber(claims.iat)
  );
}

function decodeJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
