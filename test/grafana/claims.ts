/**
 * Claim rules after the signature is good (Grafana's validateClaims + go-jose's Validate).
 *
 * - Types over the claims map: iss/sub strings, aud a string or array of strings, exp/nbf/iat numbers
 *   (null allowed for the three times). A wrong type is a verification failure.
 * - Times: a fixed 60 s leeway both ways. Reject when now-60 > exp, now+60 < nbf, now+60 < iat.
 *   exp is optional (no exp, never expires); there is no max age. go-jose compares whole seconds of the
 *   claim (the float is truncated) with the current instant.
 * - expect_claims: iss/sub exact string match (a missing claim is "", so it fails); aud: with
 *   audienceMode 'all' (<= 12.x) every expected audience must be in the token's aud, with 'any'
 *   (era D) one is enough; any other key must be present and deep-equal as JSON.
 */
import { StandinConfigError } from './errors.ts';
import { isObject } from './token.ts';
import type { AudienceMode } from './versions.ts';

export const LEEWAY_SECONDS = 60;

export interface ClaimExpectations {
  iss: string;
  sub: string;
  aud: string[];
  other: Record<string, unknown>;
}

export class ClaimError extends Error {
  override name = 'ClaimError';
}

/** Parsed at startup: invalid JSON or a wrong-typed iss/sub/aud stops Grafana from starting. */
export function parseExpectClaims(text: string): ClaimExpectations {
  const setting = '[auth.jwt] expect_claims';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new StandinConfigError(setting, `not valid JSON (${(err as Error).message}): ${text}`);
  }
  if (parsed === null) parsed = {};
  if (!isObject(parsed)) throw new StandinConfigError(setting, `must be a JSON object: ${text}`);

  const out: ClaimExpectations = { iss: '', sub: '', aud: [], other: {} };
  for (const [key, value] of Object.entries(parsed)) {
    if (key === 'iss' || key === 'sub') {
      if (typeof value !== 'string') throw new StandinConfigError(setting, `"${key}" expectation must be a string`);
      out[key] = value;
    } else if (key === 'aud') {
      if (typeof value === 'string') out.aud = [value];
      else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) out.aud = value as string[];
      else throw new StandinConfigError(setting, '"aud" expectation must be a string or an array of strings');
    } else {
      out.other[key] = value;
    }
  }
  return out;
}

export function validateClaims(
  claims: Record<string, unknown>,
  expect: ClaimExpectations,
  nowMs: number,
  audienceMode: AudienceMode,
): void {
  const iss = optionalString(claims, 'iss');
  const sub = optionalString(claims, 'sub');
  const aud = audience(claims.aud);
  const exp = numericDate(claims, 'exp');
  const nbf = numericDate(claims, 'nbf');
  const iat = numericDate(claims, 'iat');

  if (expect.iss !== '' && expect.iss !== iss) throw new ClaimError(`iss ${JSON.stringify(iss)} != expected ${JSON.stringify(expect.iss)}`);
  if (expect.sub !== '' && expect.sub !== sub) throw new ClaimError(`sub ${JSON.stringify(sub)} != expected ${JSON.stringify(expect.sub)}`);
  if (expect.aud.length > 0) {
    const ok = audienceMode === 'all' ? expect.aud.every((a) => aud.includes(a)) : expect.aud.some((a) => aud.includes(a));
    if (!ok) throw new ClaimError(`aud ${JSON.stringify(aud)} does not satisfy expected ${JSON.stringify(expect.aud)} (${audienceMode})`);
  }

  const now = nowMs / 1000;
  if (nbf !== undefined && now + LEEWAY_SECONDS < nbf) throw new ClaimError(`not valid yet: nbf ${nbf} > now ${Math.floor(now)} + 60`);
  if (exp !== undefined && now - LEEWAY_SECONDS > exp) throw new ClaimError(`expired: exp ${exp} < now ${Math.floor(now)} - 60`);
  if (iat !== undefined && now + LEEWAY_SECONDS < iat) throw new ClaimError(`issued in the future: iat ${iat} > now ${Math.floor(now)} + 60`);

  for (const [key, expected] of Object.entries(expect.other)) {
    if (!(key in claims)) throw new ClaimError(`"${key}" claim is missing`);
    if (!jsonEqual(expected, claims[key])) throw new ClaimError(`"${key}" claim mismatch`);
  }
}

function optionalString(claims: Record<string, unknown>, key: string): string {
  const v = claims[key];
  if (v === undefined) return '';
  if (typeof v !== 'string') throw new ClaimError(`"${key}" claim has invalid type ${typeName(v)}, string expected`);
  return v;
}

function audience(v: unknown): string[] {
  if (v === undefined) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((a) => typeof a === 'string')) return v as string[];
  throw new ClaimError(`"aud" claim has invalid type ${typeName(v)}, string or array of strings expected`);
}

/** go-jose NumericDate: int64 seconds, so a fractional claim is truncated. */
function numericDate(claims: Record<string, unknown>, key: string): number | undefined {
  const v = claims[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number') throw new ClaimError(`"${key}" claim has invalid type ${typeName(v)}, number expected`);
  return Math.trunc(v);
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** reflect.DeepEqual over values decoded from JSON. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && jsonEqual(a[k], b[k]));
  }
  return false;
}
