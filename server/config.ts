import { readFileSync } from 'node:fs';
import { ConfigError } from './errors.ts';
import { GRAFANA_ROLES, isGrafanaRole, isPlainHeaderName, type GrafanaRole } from './contract/index.ts';

/**
 * Configuration: documented defaults, overridden by an optional JSON file, overridden by environment
 * variables; validated once at startup with errors that name the setting. See README "Configuration".
 */
export interface InstanceConfig {
  /** Short id used in URLs, the API and the CLI, e.g. "prod". */
  id: string;
  name: string;
  /** Grafana's root URL (no query), e.g. https://grafana.example.com or https://example.com/grafana. */
  url: string;
  /** Grafana's [auth.jwt] header_name. */
  headerName: string;
  /** The token's `aud`, one string per instance (Grafana's expect_claims). */
  audience: string;
  /** Role for users with no explicit role or group grant; null means no access without a grant. */
  defaultRole: GrafanaRole | null;
  /** Roles a user may get on this instance; anything else is never put in a token. */
  allowedRoles: GrafanaRole[];
  /** Whether GrafanaAdmin may be granted (also emits allow_assign_grafana_admin = true). */
  allowGrafanaAdmin: boolean;
  /** Group name → role; a user gets the highest role among their groups. */
  groupRoles: Record<string, GrafanaRole>;
  /** Also accept ?auth_token= (Grafana url_login); needed for one-click opening by URL. */
  urlLogin: boolean;
}

export interface Config {
  host: string;
  port: number;
  /** The server's public URL: the JWT issuer and the base of every link. No trailing slash. */
  publicUrl: string;
  databasePath: string;
  /** PostgreSQL connection URL; when set, the server uses PostgreSQL instead of the SQLite file. */
  databaseUrl: string;
  /** PostgreSQL connections per server process. */
  databasePoolSize: number;
  /** A PostgreSQL connection attempt gives up after this long (requests get 503 meanwhile). */
  databaseConnectTimeoutSeconds: number;
  /** Path of the JSON-lines audit log; "-" for standard output, "" to keep it in the database only. */
  auditLog: string;
  tokenLifetimeSeconds: number;
  /** Grafana's [auth.jwt] cache_ttl in seconds: how long Grafana may hold an old copy of the JWKS. */
  grafanaJwksCacheSeconds: number;
  /** A signing key is used for this many days, then replaced by a key published a cache time earlier. */
  keyRotationDays: number;
  sessionIdleMinutes: number;
  sessionAbsoluteHours: number;
  signInMaxFailuresPerAccount: number;
  signInMaxFailuresPerIp: number;
  signInFailureWindowMinutes: number;
  /** Express "trust proxy" setting, for the client address behind a load balancer. */
  trustProxy: boolean | number | string;
  instances: InstanceConfig[];
  /** Id of the instance the extension and home page open by default. */
  defaultInstance: string;
}

export const defaults = {
  host: '127.0.0.1',
  port: 8080,
  databasePath: 'data/grafana-sso.sqlite',
  databaseUrl: '',
  databasePoolSize: 10,
  databaseConnectTimeoutSeconds: 5,
  auditLog: 'data/audit.log',
  tokenLifetimeSeconds: 300,
  grafanaJwksCacheSeconds: 3600,
  keyRotationDays: 30,
  sessionIdleMinutes: 8 * 60,
  sessionAbsoluteHours: 24 * 7,
  signInMaxFailuresPerAccount: 5,
  signInMaxFailuresPerIp: 50,
  signInFailureWindowMinutes: 15,
  trustProxy: false as boolean | number | string,
} satisfies Partial<Config>;

export const DEFAULT_HEADER_NAME = 'X-JWT-Assertion';

const DEFAULT_INSTANCE = { id: 'grafana', name: 'Grafana', url: 'http://localhost:3000' };

/** Environment variable → setting. Instances come as JSON in GRAFANA_SSO_INSTANCES or the file. */
const ENV: Record<string, keyof Config> = {
  GRAFANA_SSO_HOST: 'host',
  GRAFANA_SSO_PORT: 'port',
  GRAFANA_SSO_PUBLIC_URL: 'publicUrl',
  GRAFANA_SSO_DATABASE: 'databasePath',
  GRAFANA_SSO_DATABASE_URL: 'databaseUrl',
  GRAFANA_SSO_DATABASE_POOL_SIZE: 'databasePoolSize',
  GRAFANA_SSO_DATABASE_CONNECT_TIMEOUT: 'databaseConnectTimeoutSeconds',
  GRAFANA_SSO_AUDIT_LOG: 'auditLog',
  GRAFANA_SSO_TOKEN_LIFETIME: 'tokenLifetimeSeconds',
  GRAFANA_SSO_GRAFANA_JWKS_CACHE: 'grafanaJwksCacheSeconds',
  GRAFANA_SSO_KEY_ROTATION_DAYS: 'keyRotationDays',
  GRAFANA_SSO_SESSION_IDLE_MINUTES: 'sessionIdleMinutes',
  GRAFANA_SSO_SESSION_ABSOLUTE_HOURS: 'sessionAbsoluteHours',
  GRAFANA_SSO_TRUST_PROXY: 'trustProxy',
  GRAFANA_SSO_INSTANCES: 'instances',
  GRAFANA_SSO_DEFAULT_INSTANCE: 'defaultInstance',
};

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Path of a JSON config file; defaults to env GRAFANA_SSO_CONFIG. */
  file?: string;
  /** Settings given in code (tests), applied last. */
  overrides?: Record<string, unknown>;
}

/** Reads file + environment + overrides and validates. Throws ConfigError naming the setting. */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const raw: Record<string, unknown> = {};
  const file = options.file ?? env.GRAFANA_SSO_CONFIG;
  if (file) Object.assign(raw, readConfigFile(file));
  for (const [name, key] of Object.entries(ENV)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    raw[key] = key === 'instances' ? parseJson(name, value) : value;
  }
  Object.assign(raw, options.overrides);
  return validateConfig(raw);
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError('GRAFANA_SSO_CONFIG', `cannot read config file ${path}: ${(e as Error).message}`);
  }
  const parsed = parseJson(path, text);
  if (!isObject(parsed)) throw new ConfigError(path, 'the config file must hold a JSON object');
  return parsed;
}

function parseJson(setting: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError(setting, `not valid JSON (${(e as Error).message})`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const KNOWN_KEYS = new Set<string>([...Object.keys(defaults), 'publicUrl', 'instances', 'defaultInstance']);

export function validateConfig(raw: Record<string, unknown>): Config {
  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.has(key)) throw new ConfigError(key, `unknown setting (known: ${[...KNOWN_KEYS].join(', ')})`);
  }
  const host = str(raw, 'host', defaults.host);
  const port = int(raw, 'port', defaults.port, 0, 65535);
  const publicUrl = baseUrl('publicUrl', raw.publicUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`);
  const tokenLifetimeSeconds = int(raw, 'tokenLifetimeSeconds', defaults.tokenLifetimeSeconds, 30, 24 * 3600);
  const instances = instancesOf(raw.instances);
  const defaultInstance = str(raw, 'defaultInstance', instances[0]!.id);
  if (!instances.some((i) => i.id === defaultInstance)) {
    throw new ConfigError('defaultInstance', `"${defaultInstance}" is not the id of a configured instance`);
  }
  return {
    host,
    port,
    publicUrl,
    databasePath: str(raw, 'databasePath', defaults.databasePath),
    databaseUrl: databaseUrlOf(raw.databaseUrl),
    databasePoolSize: int(raw, 'databasePoolSize', defaults.databasePoolSize, 1, 1000),
    databaseConnectTimeoutSeconds: int(raw, 'databaseConnectTimeoutSeconds', defaults.databaseConnectTimeoutSeconds, 1, 300),
    auditLog: typeof raw.auditLog === 'string' ? raw.auditLog : defaults.auditLog,
    tokenLifetimeSeconds,
    grafanaJwksCacheSeconds: int(raw, 'grafanaJwksCacheSeconds', defaults.grafanaJwksCacheSeconds, 0, 7 * 24 * 3600),
    keyRotationDays: int(raw, 'keyRotationDays', defaults.keyRotationDays, 0, 3650),
    sessionIdleMinutes: int(raw, 'sessionIdleMinutes', defaults.sessionIdleMinutes, 1, 365 * 24 * 60),
    sessionAbsoluteHours: int(raw, 'sessionAbsoluteHours', defaults.sessionAbsoluteHours, 1, 365 * 24),
    signInMaxFailuresPerAccount: int(raw, 'signInMaxFailuresPerAccount', defaults.signInMaxFailuresPerAccount, 1, 1000),
    signInMaxFailuresPerIp: int(raw, 'signInMaxFailuresPerIp', defaults.signInMaxFailuresPerIp, 1, 100000),
    signInFailureWindowMinutes: int(raw, 'signInFailureWindowMinutes', defaults.signInFailureWindowMinutes, 1, 24 * 60),
    trustProxy: trustProxyOf(raw.trustProxy),
    instances,
    defaultInstance,
  };
}

function str(raw: Record<string, unknown>, key: string, fallback: string): string {
  const v = raw[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || v.trim() === '') throw new ConfigError(key, 'must be a non-empty string');
  return v.trim();
}

function int(raw: Record<string, unknown>, key: string, fallback: number, min: number, max: number): number {
  const v = raw[key];
  if (v === undefined) return fallback;
  const n = typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(key, `must be a whole number from ${min} to ${max} (got ${JSON.stringify(v)})`);
  }
  return n;
}

function databaseUrlOf(v: unknown): string {
  if (v === undefined || v === '') return defaults.databaseUrl;
  if (typeof v !== 'string' || !/^postgres(ql)?:\/\/./.test(v.trim())) {
    throw new ConfigError('databaseUrl', 'must be a PostgreSQL URL like postgres://user:password@host:5432/grafana_sso (or empty for SQLite)');
  }
  return v.trim();
}

function trustProxyOf(v: unknown): boolean | number | string {
  if (v === undefined) return defaults.trustProxy;
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  if (typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  throw new ConfigError('trustProxy', 'must be true, false, a hop count or a list of addresses');
}

/** An absolute http(s) URL without query or fragment, returned without a trailing slash. */
function baseUrl(setting: string, v: unknown): string {
  if (typeof v !== 'string') throw new ConfigError(setting, 'must be a URL string');
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new ConfigError(setting, `"${v}" is not an absolute URL (e.g. https://sso.example.com)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(setting, 'must be an http or https URL');
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigError(setting, 'must not carry a query, fragment or credentials');
  }
  return url.href.replace(/\/+$/, '');
}

const ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

function instancesOf(v: unknown): InstanceConfig[] {
  if (v === undefined) return [instanceOf(DEFAULT_INSTANCE, 'instances[0]')];
  if (!Array.isArray(v) || v.length === 0) throw new ConfigError('instances', 'must be a non-empty array of Grafana instances');
  const list = v.map((item, i) => instanceOf(item, `instances[${i}]`));
  const seen = new Set<string>();
  for (const [i, inst] of list.entries()) {
    if (seen.has(inst.id)) throw new ConfigError(`instances[${i}].id`, `"${inst.id}" is used twice`);
    seen.add(inst.id);
  }
  const auds = new Set(list.map((i) => i.audience));
  if (auds.size !== list.length) {
    throw new ConfigError('instances', 'every instance needs its own audience, or a token for one would open the other');
  }
  return list;
}

function instanceOf(v: unknown, at: string): InstanceConfig {
  if (!isObject(v)) throw new ConfigError(at, 'must be an object like {"id": "prod", "url": "https://grafana.example.com"}');
  const known = ['id', 'name', 'url', 'headerName', 'audience', 'defaultRole', 'allowedRoles', 'allowGrafanaAdmin', 'groupRoles', 'urlLogin'];
  for (const key of Object.keys(v)) if (!known.includes(key)) throw new ConfigError(`${at}.${key}`, `unknown setting (known: ${known.join(', ')})`);
  const id = v.id;
  if (typeof id !== 'string' || !ID.test(id)) throw new ConfigError(`${at}.id`, 'must be lower-case letters, digits, "-" or "_" (at most 63)');
  const url = baseUrl(`${at}.url`, v.url);
  const headerName = v.headerName ?? DEFAULT_HEADER_NAME;
  if (!isPlainHeaderName(headerName)) {
    throw new ConfigError(`${at}.headerName`, `must be a plain HTTP header name such as ${DEFAULT_HEADER_NAME}`);
  }
  const allowGrafanaAdmin = v.allowGrafanaAdmin ?? false;
  if (typeof allowGrafanaAdmin !== 'boolean') throw new ConfigError(`${at}.allowGrafanaAdmin`, 'must be true or false');
  const allowedRoles = v.allowedRoles ?? ['Viewer', 'Editor', 'Admin', ...(allowGrafanaAdmin ? ['GrafanaAdmin'] : [])];
  if (!Array.isArray(allowedRoles) || !allowedRoles.every(isGrafanaRole)) {
    throw new ConfigError(`${at}.allowedRoles`, `must be a list of Grafana roles, spelled exactly: ${GRAFANA_ROLES.join(', ')}`);
  }
  if (allowedRoles.includes('GrafanaAdmin') && !allowGrafanaAdmin) {
    throw new ConfigError(`${at}.allowedRoles`, 'GrafanaAdmin needs allowGrafanaAdmin: true (Grafana ignores it otherwise)');
  }
  const defaultRole = v.defaultRole === undefined ? 'Viewer' : v.defaultRole;
  if (defaultRole !== null && (!isGrafanaRole(defaultRole) || !allowedRoles.includes(defaultRole))) {
    throw new ConfigError(`${at}.defaultRole`, `must be one of allowedRoles (${allowedRoles.join(', ')}) or null for "no access without a grant"`);
  }
  const groupRoles = v.groupRoles ?? {};
  if (!isObject(groupRoles)) throw new ConfigError(`${at}.groupRoles`, 'must be an object of group name → role');
  for (const [group, role] of Object.entries(groupRoles)) {
    if (!isGrafanaRole(role) || !allowedRoles.includes(role)) {
      throw new ConfigError(`${at}.groupRoles.${group}`, `must be one of allowedRoles (${allowedRoles.join(', ')})`);
    }
  }
  const urlLogin = v.urlLogin ?? true;
  if (typeof urlLogin !== 'boolean') throw new ConfigError(`${at}.urlLogin`, 'must be true or false');
  const name = v.name ?? id;
  if (typeof name !== 'string' || name.trim() === '') throw new ConfigError(`${at}.name`, 'must be a non-empty string');
  const audience = v.audience ?? `grafana:${id}`;
  if (typeof audience !== 'string' || audience.trim() === '') throw new ConfigError(`${at}.audience`, 'must be a non-empty string');
  return {
    id,
    name: name.trim(),
    url,
    headerName,
    audience,
    defaultRole: defaultRole as GrafanaRole | null,
    allowedRoles: allowedRoles as GrafanaRole[],
    allowGrafanaAdmin,
    groupRoles: groupRoles as Record<string, GrafanaRole>,
    urlLogin,
  };
}

/** Things that work but should not run in production; printed once, loudly, at startup. */
export function developmentWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (new URL(config.publicUrl).protocol !== 'https:') {
    warnings.push(
      `publicUrl ${config.publicUrl} is plain http: session cookies are not Secure and Grafana accepts an http JWKS only with app_mode = development. Set GRAFANA_SSO_PUBLIC_URL to the https URL users reach.`,
    );
  }
  for (const inst of config.instances) {
    if (new URL(inst.url).protocol !== 'https:') warnings.push(`instance "${inst.id}" is plain http (${inst.url}): tokens in its URLs and headers travel unencrypted.`);
  }
  return warnings;
}
