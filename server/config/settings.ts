import { isIP } from 'node:net';
import { ConfigError } from '../errors.ts';
import { parseKeyEncryptionKeys } from '../key-encryption.ts';
import { GRAFANA_ROLES, INSTANCE_ID_PATTERN, isPlainHeaderName, type GrafanaRole } from '../contract/index.ts';
import { providerOf } from '../oidc/provider-config.ts';
import { baseUrl, custom, field, flag, int, list, nullable, object, oneOf, record, text, type Check, type ValuesOf } from './spec.ts';

/**
 * Every setting, declared once: its doc line, default, bounds and environment variable. The Config
 * type, validation, the environment map, the known keys and the README's settings table all come from
 * here (npm run docs:readme rewrites the README table; test/server/readme-sections.test.ts checks it).
 * Adding a setting is one entry below; a list of objects (like `instances`) is `list(object(fields))`.
 */

export const DEFAULT_HEADER_NAME = 'X-JWT-Assertion';

const role = oneOf(GRAFANA_ROLES, `must be a Grafana role, spelled exactly: ${GRAFANA_ROLES.join(', ')}`);

const INSTANCE_FIELDS = {
  id: field({
    doc: 'short id (`a-z0-9-_`) used in the API, the CLI, the audience and `/go/<id>/…` links',
    // The contract's pattern: the /go/ link form relies on ids never holding "/", "%", "." or "?".
    parse: text({ pattern: INSTANCE_ID_PATTERN, rule: 'must be lower-case letters, digits, "-" or "_" (at most 63)' }),
  }),
  url: field({ doc: "Grafana's root URL, e.g. `https://grafana.example.com`", parse: baseUrl() }),
  name: field({ doc: 'shown to users', parse: text(), default: (e) => e.text('id'), defaultDoc: 'the id' }),
  headerName: field({
    doc: "Grafana's `header_name`; the extension sets this header",
    parse: custom((v, at): string => {
      if (!isPlainHeaderName(v)) throw new ConfigError(at, `must be a plain HTTP header name such as ${DEFAULT_HEADER_NAME}`);
      return v;
    }),
    default: DEFAULT_HEADER_NAME,
  }),
  audience: field({
    doc: "the token's `aud`, one string per instance, so one instance's token never opens another",
    parse: text(),
    default: (e) => `grafana:${e.text('id')}`,
    defaultDoc: '`grafana:<id>`',
  }),
  allowGrafanaAdmin: field({ doc: 'lets `GrafanaAdmin` be granted (server admin in Grafana)', parse: flag(), default: false }),
  allowedRoles: field({
    doc: "roles that may ever appear in this instance's tokens",
    parse: list(role),
    default: (e): GrafanaRole[] => ['Viewer', 'Editor', 'Admin', ...(e.flag('allowGrafanaAdmin') ? (['GrafanaAdmin'] as const) : [])],
    defaultDoc: '`Viewer, Editor, Admin` (+ `GrafanaAdmin` when allowed)',
  }),
  defaultRole: field({ doc: 'role for users without a grant; `null` means no access without one', parse: nullable(role), default: 'Viewer' }),
  groupRoles: field({ doc: 'group → role; a user gets the highest role among their groups', parse: record(role, 'group name → role'), default: {} }),
  urlLogin: field({ doc: 'emit `url_login = true` (one-click opening by URL; `/go/` links need it where the extension does not serve them)', parse: flag(), default: true }),
};

type Instance = ValuesOf<typeof INSTANCE_FIELDS>;

const INSTANCE_CHECKS: Check<Instance>[] = [
  {
    name: 'GrafanaAdmin needs allowGrafanaAdmin',
    problem: (i) =>
      i.allowedRoles.includes('GrafanaAdmin') && !i.allowGrafanaAdmin
        ? { setting: 'allowedRoles', message: 'GrafanaAdmin needs allowGrafanaAdmin: true (Grafana ignores it otherwise)' }
        : undefined,
  },
  {
    name: 'defaultRole is an allowed role',
    problem: (i) =>
      i.defaultRole !== null && !i.allowedRoles.includes(i.defaultRole)
        ? { setting: 'defaultRole', message: `must be one of allowedRoles (${i.allowedRoles.join(', ')}) or null for "no access without a grant"` }
        : undefined,
  },
  {
    name: 'group roles are allowed roles',
    problem: (i) => {
      const bad = Object.entries(i.groupRoles).find(([, r]) => !i.allowedRoles.includes(r));
      return bad ? { setting: `groupRoles.${bad[0]}`, message: `must be one of allowedRoles (${i.allowedRoles.join(', ')})` } : undefined;
    },
  },
];

const instance = object(INSTANCE_FIELDS, INSTANCE_CHECKS, '{"id": "prod", "url": "https://grafana.example.com"}');

export const SETTINGS = {
  host: field({ doc: 'the address to listen on', env: 'GRAFANA_SSO_HOST', parse: text(), default: '127.0.0.1' }),
  port: field({ doc: 'the port to listen on; `0` picks a free one', env: 'GRAFANA_SSO_PORT', parse: int(0, 65535), default: 8080 }),
  publicUrl: field({
    doc: 'the URL users reach; the token issuer (`iss`) and the base of the JWKS URL. Use https in production',
    env: 'GRAFANA_SSO_PUBLIC_URL',
    parse: baseUrl(),
    default: (e) => {
      const host = e.text('host');
      return `http://${host.includes(':') ? `[${host}]` : host}:${e.number('port')}`;
    },
    defaultDoc: '`http://<host>:<port>`',
  }),
  databasePath: field({ doc: 'the SQLite file (WAL mode), used when `databaseUrl` is empty', env: 'GRAFANA_SSO_DATABASE', parse: text(), default: 'data/grafana-sso.sqlite' }),
  databaseUrl: field({
    doc: 'a PostgreSQL URL (`postgres://user:password@host:5432/db`): several servers share that database instead of a SQLite file (docs/store.md)',
    env: 'GRAFANA_SSO_DATABASE_URL',
    parse: text({ allowEmpty: true, pattern: /^(postgres(ql)?:\/\/.+)?$/, rule: 'must be a PostgreSQL URL like postgres://user:password@host:5432/grafana_sso, or empty for SQLite' }),
    default: '',
    defaultDoc: 'empty: SQLite',
  }),
  databasePoolSize: field({ doc: 'PostgreSQL connections per server process', env: 'GRAFANA_SSO_DATABASE_POOL_SIZE', parse: int(1, 1000), default: 10 }),
  databaseConnectTimeoutSeconds: field({
    doc: 'a PostgreSQL connection attempt gives up after this long; requests get 503 `store_unavailable` meanwhile',
    env: 'GRAFANA_SSO_DATABASE_CONNECT_TIMEOUT',
    parse: int(1, 300),
    default: 5,
  }),
  auditLog: field({
    doc: 'JSON-lines audit log; `-` for standard output, empty for the database only',
    env: 'GRAFANA_SSO_AUDIT_LOG',
    parse: text({ allowEmpty: true, rule: 'must be a path, "-" or ""' }),
    default: 'data/audit.log',
  }),
  auditRetentionDays: field({
    doc: 'audit events older than this are deleted from the database (the audit log file is yours to rotate)',
    env: 'GRAFANA_SSO_AUDIT_RETENTION_DAYS',
    parse: int(1, 36500),
    default: 365,
  }),
  tokenLifetimeSeconds: field({ doc: 'token lifetime in seconds', env: 'GRAFANA_SSO_TOKEN_LIFETIME', parse: int(30, 24 * 3600), default: 300 }),
  grafanaJwksCacheSeconds: field({
    doc: "Grafana's `cache_ttl` in seconds; new keys are published this + 5 min before they sign",
    env: 'GRAFANA_SSO_GRAFANA_JWKS_CACHE',
    parse: int(0, 7 * 24 * 3600),
    default: 3600,
  }),
  keyRotationDays: field({ doc: 'scheduled key rotation; `0` turns it off', env: 'GRAFANA_SSO_KEY_ROTATION_DAYS', parse: int(0, 3650), default: 30 }),
  sessionIdleMinutes: field({ doc: 'a session unused this long ends', env: 'GRAFANA_SSO_SESSION_IDLE_MINUTES', parse: int(1, 365 * 24 * 60), default: 8 * 60 }),
  sessionAbsoluteHours: field({ doc: 'a session ends this long after sign-in', env: 'GRAFANA_SSO_SESSION_ABSOLUTE_HOURS', parse: int(1, 365 * 24), default: 24 * 7 }),
  signInMaxFailuresPerAccount: field({
    doc: 'failed sign-ins allowed per account in the window before 429',
    env: 'GRAFANA_SSO_SIGN_IN_MAX_FAILURES_PER_ACCOUNT',
    parse: int(1, 1000),
    default: 5,
  }),
  signInMaxFailuresPerIp: field({
    doc: 'failed sign-ins allowed per client address in the window before 429',
    env: 'GRAFANA_SSO_SIGN_IN_MAX_FAILURES_PER_IP',
    parse: int(1, 100000),
    default: 50,
  }),
  signInFailureWindowMinutes: field({
    doc: 'the window in which failed sign-ins are counted',
    env: 'GRAFANA_SSO_SIGN_IN_FAILURE_WINDOW_MINUTES',
    parse: int(1, 24 * 60),
    default: 15,
  }),
  trustProxy: field({
    doc: 'the proxies in front of the server, so the client address is the one they saw: their number (`1` for one load balancer), or their addresses or ranges (`10.0.0.0/8`, `loopback`), comma-separated; `0` when clients connect directly. Never `true`: that believes any X-Forwarded-For a client writes',
    env: 'GRAFANA_SSO_TRUST_PROXY',
    parse: custom(trustProxyOf),
    default: 0 as number | string[],
  }),
  extensionIds: field({
    doc: 'the browser extensions that may call the token API: Chrome extension ids (32 letters a–p) and Firefox moz-extension UUIDs, comma-separated; empty allows any extension (warned over https)',
    env: 'GRAFANA_SSO_EXTENSION_IDS',
    parse: custom(extensionIdsOf),
    default: [] as string[],
    defaultDoc: 'any',
  }),
  keyEncryptionKey: field({
    doc: 'key-encryption key for private keys at rest: 32 bytes base64 (`openssl rand -base64 32`); during a rotation the new key, a comma, the old key (see "Keys at rest")',
    env: 'GRAFANA_SSO_KEY_ENCRYPTION_KEY',
    parse: custom((v, at): string => {
      if (v === '') return '';
      if (typeof v !== 'string') throw new ConfigError(at, 'must be base64 text (openssl rand -base64 32)');
      parseKeyEncryptionKeys(v, at);
      return v;
    }),
    default: '',
    defaultDoc: 'none',
  }),
  keyEncryptionKeyFile: field({
    doc: 'a file (mode 0600) holding the key-encryption key instead, one key per line, the current one first',
    env: 'GRAFANA_SSO_KEY_ENCRYPTION_KEY_FILE',
    parse: text({ allowEmpty: true }),
    default: '',
    defaultDoc: 'none',
  }),
  logFormat: field({
    doc: 'the operational log: `json` (one object a line, for a log collector) or `text` (for a terminal)',
    env: 'GRAFANA_SSO_LOG_FORMAT',
    parse: oneOf(['json', 'text'] as const, 'must be json or text'),
    default: (e) => (e.text('publicUrl').startsWith('https:') ? 'json' : 'text'),
    defaultDoc: '`json` when publicUrl is https, else `text`',
  }),
  metricsAddress: field({
    doc: 'where Prometheus scrapes `/metrics`: empty for the main listener, or its own `host:port` (then not on the main one)',
    env: 'GRAFANA_SSO_METRICS_ADDRESS',
    parse: text({ allowEmpty: true, pattern: /^$|^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/, rule: 'must be empty or host:port, e.g. 127.0.0.1:9464' }),
    default: '',
    defaultDoc: 'empty (main listener)',
  }),
  shutdownGraceSeconds: field({
    doc: 'on SIGTERM, requests in flight get this long to finish before their connections are closed',
    env: 'GRAFANA_SSO_SHUTDOWN_GRACE_SECONDS',
    parse: int(0, 600),
    default: 10,
  }),
  instances: field({
    doc: 'the Grafana instances (each entry below)',
    env: 'GRAFANA_SSO_INSTANCES',
    parse: list(instance, { nonEmpty: true }),
    default: (): Instance[] => [instance({ id: 'grafana', name: 'Grafana', url: 'http://localhost:3000' }, 'instances[0]')],
    defaultDoc: 'one instance `grafana` at `http://localhost:3000`',
  }),
  defaultInstance: field({
    doc: 'what the popup, shortcut and context menu open',
    env: 'GRAFANA_SSO_DEFAULT_INSTANCE',
    parse: text(),
    default: (e) => e.list('instances')[0]!.text('id'),
    defaultDoc: 'the first instance',
  }),
  providers: field({
    doc: 'OpenID Connect providers people sign in with (README "Signing in with your identity provider")',
    env: 'GRAFANA_SSO_PROVIDERS',
    // Each entry is validated by server/oidc/provider-config.ts (secrets and key files are read there).
    parse: list(custom(providerOf, 'provider')),
    default: [],
    defaultDoc: 'none',
  }),
  localAccounts: field({
    doc: 'password sign-in for accounts made with the CLI (quick start, break-glass); `false` needs a provider',
    env: 'GRAFANA_SSO_LOCAL_ACCOUNTS',
    parse: flag(),
    default: true,
  }),
  identityRefreshMinutes: field({
    doc: "a provider session's identity and groups are confirmed with the provider at least this often",
    env: 'GRAFANA_SSO_IDENTITY_REFRESH_MINUTES',
    parse: int(1, 24 * 60),
    default: 5,
  }),
  identityRefreshGraceMinutes: field({
    doc: 'how long an unreachable provider is tolerated after the last confirmation before its sessions end',
    env: 'GRAFANA_SSO_IDENTITY_REFRESH_GRACE_MINUTES',
    parse: int(0, 7 * 24 * 60),
    default: 30,
  }),
};

export type Settings = ValuesOf<typeof SETTINGS>;

const listOf = (v: unknown): unknown[] | undefined => (typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter(Boolean) : Array.isArray(v) ? v : undefined);

// Names proxy-addr (Express) knows for address ranges.
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function trustProxyOf(v: unknown, at: string): number | string[] {
  if (v === true || v === 'true') {
    throw new ConfigError(at, 'true would believe any X-Forwarded-For a client sends; give the number of proxies in front of the server (e.g. 1) or their addresses');
  }
  if (v === false || v === 'false') return 0;
  if (typeof v === 'number' || (typeof v === 'string' && /^\s*\d+\s*$/.test(v))) {
    const hops = Number(v);
    if (Number.isInteger(hops) && hops >= 0 && hops <= 10) return hops;
    throw new ConfigError(at, 'a number of proxy hops must be from 0 to 10');
  }
  const list = listOf(v);
  const bad = list?.find((a) => typeof a !== 'string' || !(NAMED_RANGES.has(a) || isIP(a.split('/')[0]!) !== 0));
  if (!list || list.length === 0 || bad !== undefined) {
    throw new ConfigError(at, `must be a number of proxy hops or proxy addresses / ranges such as 10.0.0.0/8 or loopback${bad !== undefined ? ` (not an address: ${JSON.stringify(bad)})` : ''}`);
  }
  return list as string[];
}

// Chrome derives a 32-letter id (a–p) from the extension's key; Firefox's moz-extension host is a UUID.
const EXTENSION_ID = /^([a-p]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

function extensionIdsOf(v: unknown, at: string): string[] {
  const list = listOf(v);
  const bad = list?.find((id) => typeof id !== 'string' || !EXTENSION_ID.test(id));
  if (!list || bad !== undefined) {
    throw new ConfigError(at, `must list extension ids: 32 letters a–p (Chrome) or a moz-extension UUID (Firefox)${bad !== undefined ? `, not ${JSON.stringify(bad)}` : ''}`);
  }
  return list as string[];
}
export type InstanceConfig = Instance;

/** Cross-field rules over the whole configuration, each with a name. */
export const SETTINGS_CHECKS: Check<Settings>[] = [
  {
    name: 'instance ids are unique',
    problem: (c) => {
      const i = c.instances.findIndex((inst, n) => c.instances.findIndex((o) => o.id === inst.id) !== n);
      return i < 0 ? undefined : { setting: `instances[${i}].id`, message: `"${c.instances[i]!.id}" is used twice` };
    },
  },
  {
    name: 'instance audiences are unique',
    problem: (c) =>
      new Set(c.instances.map((i) => i.audience)).size !== c.instances.length
        ? { setting: 'instances', message: 'every instance needs its own audience, or a token for one would open the other' }
        : undefined,
  },
  {
    name: 'provider ids are unique',
    problem: (c) => {
      const i = c.providers.findIndex((p, n) => c.providers.findIndex((o) => o.id === p.id) !== n);
      return i < 0 ? undefined : { setting: `providers[${i}].id`, message: `"${c.providers[i]!.id}" is used twice` };
    },
  },
  {
    name: 'someone can sign in',
    problem: (c) =>
      !c.localAccounts && c.providers.length === 0 ? { setting: 'localAccounts', message: 'cannot be false without providers: nobody could sign in' } : undefined,
  },
  {
    name: 'defaultInstance names an instance',
    problem: (c) =>
      c.instances.some((i) => i.id === c.defaultInstance)
        ? undefined
        : { setting: 'defaultInstance', message: `"${c.defaultInstance}" is not the id of a configured instance` },
  },
  {
    name: 'one source for the key-encryption key',
    problem: (c) =>
      c.keyEncryptionKey && c.keyEncryptionKeyFile ? { setting: 'keyEncryptionKey', message: 'set either keyEncryptionKey or keyEncryptionKeyFile, not both' } : undefined,
  },
];
