/**
 * The settings the stand-in honours, read from a parsed grafana.ini with Grafana's defaults
 * (pkg/setting/setting_jwt.go and friends). Keys not listed here are ignored, exactly as Grafana ignores
 * unknown keys: `role_claim`, `expected_claims`, `enable_login_token` have no effect.
 */
import { parseGoDuration } from './duration.ts';
import { iniValue, type Ini } from './ini.ts';

export const ORG_ROLES = ['Viewer', 'Editor', 'Admin', 'None'] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

export function isOrgRole(value: unknown): value is OrgRole {
  return typeof value === 'string' && (ORG_ROLES as readonly string[]).includes(value);
}

export interface JwtSettings {
  enabled: boolean;
  headerName: string;
  urlLogin: boolean;
  usernameClaim: string;
  emailClaim: string;
  usernameAttributePath: string;
  emailAttributePath: string;
  jwkSetUrl: string;
  jwkSetFile: string;
  keyFile: string;
  keyId: string;
  /** Milliseconds; <= 0 disables the JWKS cache. */
  cacheTtlMs: number;
  /** Raw JSON text, parsed (and validated) at startup by claims.ts. */
  expectClaims: string;
  autoSignUp: boolean;
  roleAttributePath: string;
  roleAttributeStrict: boolean;
  allowAssignGrafanaAdmin: boolean;
  skipOrgRoleSync: boolean;
}

export interface Settings {
  /** Top-level `app_mode`; only "development" changes anything here (allows an http jwk_set_url). */
  appMode: string;
  jwt: JwtSettings;
  anonymous: { enabled: boolean; orgRole: OrgRole };
  users: { autoAssignOrgRole: OrgRole };
  /** [server]: Grafana's AppSubUrl ('' or e.g. '/grafana', from root_url's path) and serve_from_sub_path. */
  server: { subUrl: string; serveFromSubPath: boolean };
}

const DEFAULT_CACHE_TTL_MS = 60 * 60_000;

export function readSettings(ini: Ini): Settings {
  const jwt = (key: string) => iniValue(ini, 'auth.jwt', key);
  return {
    appMode: str(iniValue(ini, '', 'app_mode'), 'production'),
    jwt: {
      enabled: bool(jwt('enabled'), false),
      headerName: str(jwt('header_name'), ''),
      urlLogin: bool(jwt('url_login'), false),
      usernameClaim: str(jwt('username_claim'), ''),
      emailClaim: str(jwt('email_claim'), ''),
      usernameAttributePath: str(jwt('username_attribute_path'), ''),
      emailAttributePath: str(jwt('email_attribute_path'), ''),
      jwkSetUrl: str(jwt('jwk_set_url'), ''),
      jwkSetFile: str(jwt('jwk_set_file'), ''),
      keyFile: str(jwt('key_file'), ''),
      keyId: str(jwt('key_id'), ''),
      cacheTtlMs: duration(jwt('cache_ttl'), DEFAULT_CACHE_TTL_MS),
      expectClaims: str(jwt('expect_claims'), '{}'),
      autoSignUp: bool(jwt('auto_sign_up'), false),
      roleAttributePath: str(jwt('role_attribute_path'), ''),
      roleAttributeStrict: bool(jwt('role_attribute_strict'), false),
      allowAssignGrafanaAdmin: bool(jwt('allow_assign_grafana_admin'), false),
      skipOrgRoleSync: bool(jwt('skip_org_role_sync'), false),
    },
    anonymous: {
      enabled: bool(iniValue(ini, 'auth.anonymous', 'enabled'), false),
      orgRole: role(iniValue(ini, 'auth.anonymous', 'org_role'), 'Viewer'),
    },
    users: { autoAssignOrgRole: role(iniValue(ini, 'users', 'auto_assign_org_role'), 'Viewer') },
    server: {
      subUrl: subUrlOf(str(iniValue(ini, 'server', 'root_url'), '')),
      serveFromSubPath: bool(iniValue(ini, 'server', 'serve_from_sub_path'), false),
    },
  };
}

/** The path of root_url without its trailing slash, as Grafana derives AppSubUrl ('' for the default root_url). */
function subUrlOf(rootUrl: string): string {
  const path = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/.exec(rootUrl)?.[1] ?? '';
  return path.replace(/\/+$/, '');
}

/** go-ini MustString: an empty value means "use the default". */
function str(value: string | undefined, fallback: string): string {
  return value === undefined || value === '' ? fallback : value;
}

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True', 'YES', 'yes', 'Yes', 'y', 'ON', 'on', 'On']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False', 'NO', 'no', 'No', 'n', 'OFF', 'off', 'Off']);

/** go-ini MustBool: anything it cannot parse silently becomes the default. */
function bool(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  return fallback;
}

/** go-ini MustDuration: an unparseable duration silently becomes the default. */
function duration(value: string | undefined, fallbackMs: number): number {
  if (value === undefined || value === '') return fallbackMs;
  return parseGoDuration(value) ?? fallbackMs;
}

function role(value: string | undefined, fallback: OrgRole): OrgRole {
  return isOrgRole(value) ? value : fallback;
}
