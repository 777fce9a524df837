/**
 * The Grafana version lines the stand-in models, one at a time, and every rule that differs between
 * them (docs/grafana-jwt.md#versions). Nothing else in the stand-in asks which version
 * it is: it asks these rules, so a rule cannot follow one line while its neighbour follows the other.
 *
 * - '12.x' (default, the newest release line; go-jose v3): any algorithm go-jose knows parses, `none`
 *   included (and then fails verification), HMAC keys of any length, whitespace inside the compact token
 *   stripped, every expected audience required, a bad key source stops Grafana from starting.
 * - 'main' ("era D", the newest main branch; go-jose v4): a parse-time allow-list without `none` and
 *   RS384, HMAC keys at least as long as the hash, no whitespace stripping, any one expected audience is
 *   enough, a bad key source is logged and every token then fails.
 * Shared by both lines (so not here): invalid role with strict off resets to auto_assign_org_role on
 * every request (since ~11.6), the user lookup order, role sync and the last-Admin rule.
 */
export const GRAFANA_VERSIONS = ['12.x', 'main'] as const;
export type GrafanaVersion = (typeof GRAFANA_VERSIONS)[number];
export const DEFAULT_GRAFANA_VERSION: GrafanaVersion = '12.x';

export function isGrafanaVersion(value: unknown): value is GrafanaVersion {
  return typeof value === 'string' && (GRAFANA_VERSIONS as readonly string[]).includes(value);
}

export type AudienceMode = 'all' | 'any';

export interface VersionRules {
  version: GrafanaVersion;
  /** What GET /api/health reports as `version`. */
  reportedVersion: string;
  /** Algorithms a token may name and still parse; anything else makes the JWT client skip it. */
  parseAlgorithms: readonly string[];
  /** Minimum HMAC key length per algorithm, in bytes (0: any length verifies). */
  hmacMinBytes: Readonly<Record<string, number>>;
  /** go-jose v3 removes spaces, tabs and line breaks anywhere in a compact token before parsing. */
  stripWhitespace: boolean;
  /** expect_claims `aud`: every expected audience in the token ('all') or one is enough ('any'). */
  audience: AudienceMode;
  /** A bad key source: 'refuse-start' (Grafana does not start) or 'log' (starts; every token fails). */
  keySourceError: 'refuse-start' | 'log';
  /** A private-key PEM in key_file: loads and verifies nothing (12.x), or is a key-source error (main). */
  privateKeyPem: 'load-unusable' | 'refuse';
}

const SIGNING = ['EdDSA', 'HS256', 'HS384', 'HS512', 'RS256', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512'];

const RULES: Record<GrafanaVersion, VersionRules> = {
  '12.x': {
    version: '12.x',
    reportedVersion: '12.3.0',
    parseAlgorithms: [...SIGNING, 'RS384', 'none'],
    hmacMinBytes: { HS256: 0, HS384: 0, HS512: 0 },
    stripWhitespace: true,
    audience: 'all',
    keySourceError: 'refuse-start',
    privateKeyPem: 'load-unusable',
  },
  main: {
    version: 'main',
    reportedVersion: '12.4.0-pre',
    parseAlgorithms: SIGNING,
    hmacMinBytes: { HS256: 32, HS384: 48, HS512: 64 },
    stripWhitespace: false,
    audience: 'any',
    keySourceError: 'log',
    privateKeyPem: 'refuse',
  },
};

export function versionRules(version: GrafanaVersion = DEFAULT_GRAFANA_VERSION): VersionRules {
  return RULES[version];
}
