// Typed client of the token server's HTTP API (docs/api.md).

export interface GrafanaInstance {
  id: string;
  name: string;
  url: string;
  headerName: string;
  default: boolean;
}

export interface ServerConfig {
  issuer: string;
  loginUrl: string;
  instances: GrafanaInstance[];
}

export interface User {
  id: string;
  login: string;
  email: string;
  name: string;
}

export interface SessionInfo {
  user: User;
  /** Only the instances this user may open, with the role their tokens will carry. */
  instances: { id: string; role: string }[];
}

export interface TokenResponse {
  token: string;
  /** Lifetime in seconds: refreshes are scheduled from this and the local receipt time. */
  expiresIn: number;
  instance: string;
  user: User & { role: string };
}

/**
 * `unreachable`: no HTTP answer (network, timeout). `server_error`: 5xx or an answer that is not the
 * documented JSON. Anything else is the server's own stable code (session_required, access_denied, …).
 */
export class ServerError extends Error {
  override readonly name = 'ServerError';
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The custom header that a web page cannot send cross-origin without a preflight the server refuses. */
export const requestHeader = { 'X-Grafana-SSO': '1' } as const;

const timeoutMs = 10_000;

type Fetch = typeof fetch;

export function serverApi(serverUrl: string, fetchImpl: Fetch = (...args) => fetch(...args)) {
  const endpoint = (path: string) => `${serverUrl.replace(/\/+$/, '')}${path}`;

  async function call(path: string, init: RequestInit = {}): Promise<unknown> {
    let response: Response;
    try {
      response = await fetchImpl(endpoint(path), {
        ...init,
        credentials: 'include',
        cache: 'no-store',
        headers: { ...requestHeader, ...(init.body ? { 'Content-Type': 'application/json' } : {}) },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new ServerError('unreachable', `Cannot reach the token server at ${serverUrl} (${String(error)})`);
    }
    if (response.status === 204) return undefined;
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new ServerError('server_error', `The token server answered ${response.status} without JSON`, response.status);
    }
    if (!response.ok) {
      const code = isRecord(body) && typeof body.code === 'string' ? body.code : 'server_error';
      const message = isRecord(body) && typeof body.message === 'string' ? body.message : `HTTP ${response.status}`;
      throw new ServerError(response.status >= 500 ? 'server_error' : code, message, response.status);
    }
    return body;
  }

  return {
    async getConfig(): Promise<ServerConfig> {
      return expect(parseConfig(await call('/api/config')), 'config');
    },
    async getSession(): Promise<SessionInfo> {
      return expect(parseSession(await call('/api/session')), 'session');
    },
    async requestToken(instance: string): Promise<TokenResponse> {
      const body = await call('/api/token', { method: 'POST', body: JSON.stringify({ instance }) });
      return expect(parseToken(body), 'token');
    },
    async logout(): Promise<void> {
      await call('/api/logout', { method: 'POST' });
    },
  };
}

export type ServerApi = ReturnType<typeof serverApi>;

function expect<T>(value: T | null, what: string): T {
  if (value === null) throw new ServerError('server_error', `The token server sent a malformed ${what} answer`);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isString = (v: unknown): v is string => typeof v === 'string';

function parseUser(v: unknown): User | null {
  if (!isRecord(v) || !isString(v.id) || !isString(v.login)) return null;
  return { id: v.id, login: v.login, email: isString(v.email) ? v.email : '', name: isString(v.name) ? v.name : v.login };
}

// The header rule sets this header on every request to Grafana: only a plain header name, and never
// one that browsers or servers treat specially (the token server refuses these too).
const headerToken = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const reservedHeaders = new Set(['cookie', 'host', 'origin', 'referer', 'content-type', 'content-length']);

function parseInstance(v: unknown): GrafanaInstance | null {
  if (!isRecord(v) || !isString(v.id) || !isString(v.url) || !isString(v.headerName)) return null;
  if (!headerToken.test(v.headerName) || reservedHeaders.has(v.headerName.toLowerCase())) return null;
  try {
    const url = new URL(v.url);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  } catch {
    return null;
  }
  return { id: v.id, name: isString(v.name) ? v.name : v.id, url: v.url, headerName: v.headerName, default: v.default === true };
}

export function parseConfig(v: unknown): ServerConfig | null {
  if (!isRecord(v) || !Array.isArray(v.instances)) return null;
  const instances = v.instances.map(parseInstance);
  if (instances.some((i) => i === null)) return null;
  return { issuer: isString(v.issuer) ? v.issuer : '', loginUrl: isString(v.loginUrl) ? v.loginUrl : '', instances: instances as GrafanaInstance[] };
}

function parseSession(v: unknown): SessionInfo | null {
  if (!isRecord(v) || !Array.isArray(v.instances)) return null;
  const user = parseUser(v.user);
  const instances = v.instances.filter((i): i is { id: string; role: string } => isRecord(i) && isString(i.id) && isString(i.role));
  return user && { user, instances };
}

function parseToken(v: unknown): TokenResponse | null {
  if (!isRecord(v) || !isString(v.token) || typeof v.expiresIn !== 'number' || !(v.expiresIn > 0)) return null;
  const user = parseUser(v.user);
  if (!user || !isRecord(v.user) || !isString(v.user.role)) return null;
  return { token: v.token, expiresIn: v.expiresIn, instance: isString(v.instance) ? v.instance : '', user: { ...user, role: v.user.role } };
}
