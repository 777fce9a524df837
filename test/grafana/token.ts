/**
 * Reading a token before any key is involved, as go-jose's jwt.ParseSigned does in Grafana.
 *
 * Grafana calls this twice: once in the JWT client's Test() (HasSubClaim: if the token does not parse,
 * its registered claims do not decode, or `sub` is not a non-empty string, the JWT client is SKIPPED and
 * the request falls through to the next client — anonymous or nothing), and once in Verify().
 * Consequences worth knowing: a token with a numeric `iss`, a string `exp`, a numeric `jti`, a repeated
 * top-level member, or (main only) alg `none` or RS384 never reaches signature checking; it is treated
 * like no token at all. Which algorithms parse and whether whitespace is stripped depend on the
 * version line (versions.ts).
 */
import { duplicateMember } from './json-members.ts';
import type { VersionRules } from './versions.ts';

export interface ParsedToken {
  /** The compact token after Grafana's sanitizeJWT (every '=' removed). */
  compact: string;
  alg: string;
  /** '' when the header has no kid. */
  kid: string;
  claims: Record<string, unknown>;
  /** A member name repeated inside a claim: parses, but fails verification (json-members.ts). */
  nestedDuplicate: boolean;
}

/** Returns undefined where go-jose would return an error. */
export function parseUnverified(raw: string, rules: VersionRules): ParsedToken | undefined {
  // Grafana strips base64 padding anywhere in the token before parsing; go-jose v3 also whitespace.
  let compact = raw.replaceAll('=', '');
  if (rules.stripWhitespace) compact = compact.replace(/\s/g, '');
  const parts = compact.split('.');
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  if (![h, p, s].every((part) => /^[A-Za-z0-9_-]*$/.test(part))) return undefined;

  const header = decodeJson(h);
  if (!header || !isObject(header.value) || header.duplicate) return undefined;
  const { alg, kid } = header.value;
  if (typeof alg !== 'string' || !rules.parseAlgorithms.includes(alg)) return undefined;
  if (kid !== undefined && typeof kid !== 'string') return undefined;

  const payload = decodeJson(p);
  if (!payload || !isObject(payload.value) || payload.duplicate === 'top') return undefined;
  if (!registeredClaimsDecode(payload.value)) return undefined;
  return { compact, alg, kid: kid ?? '', claims: payload.value, nestedDuplicate: payload.duplicate === 'nested' };
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

function decodeJson(part: string): { value: unknown; duplicate: 'top' | 'nested' | undefined } | undefined {
  const text = Buffer.from(part, 'base64url').toString('utf8');
  try {
    return { value: JSON.parse(text), duplicate: duplicateMember(text) };
  } catch {
    return undefined;
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
