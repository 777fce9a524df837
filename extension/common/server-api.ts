// Typed client of the token server's HTTP API (docs/api.md). Paths, the request header, the answer
// shapes and the error codes come from the contract the server itself is built on.
import {
  apiPaths,
  isErrorCode,
  isGrafanaRole,
  isPlainHeaderName,
  requestHeader,
  type ErrorCode,
  type GrafanaRole,
  type PublicConfig,
  type PublicInstance,
  type PublicUser,
  type SessionResponse,
  type TokenRequest,
  type TokenResponse,
} from '../../server/contract/index.ts';

/**
 * Codes the extension itself gives a failed call: `unreachable` (no HTTP answer: network, timeout)
 * and `server_error` (5xx, or an answer that is not the documented JSON).
 */
export type ClientErrorCode = 'unreachable' | 'server_error';
export type ServerErrorCode = ErrorCode | ClientErrorCode;

export class ServerError extends Error {
  override readonly name = 'ServerError';
  constructor(
    readonly code: ServerErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The token answer as the extension keeps it: `expiresAt` is the server's clock, so it is not read. */
export type TokenAnswer = Omit<TokenResponse, 'expiresAt'>;

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
        headers: { [requestHeader.name]: requestHeader.value, ...(init.body ? { 'Content-Type': 'application/json' } : {}) },
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
      // A code this build does not know (a newer server) is treated like any other unexpected answer.
      const code = isRecord(body) && isErrorCode(body.code) && response.status < 500 ? body.code : 'server_error';
      const message = isRecord(body) && typeof body.message === 'string' ? body.message : `HTTP ${response.status}`;
      throw new ServerError(code, message, response.status);
    }
    return body;
  }

  return {
    async getConfig(): Promise<PublicConfig> {
      return expect(parseConfig(await call(apiPaths.config)), 'config');
    },
    async getSession(): Promise<SessionResponse> {
      return expect(parseSession(await call(apiPaths.session)), 'session');
    },
    async requestToken(instance: string): Promise<TokenAnswer> {
      const body = await call(apiPaths.token, { method: 'POST', body: JSON.stringify({ instance } satisfies TokenRequest) });
      return expect(parseToken(body), 'token');
    },
    async logout(): Promise<void> {
      await call(apiPaths.logout, { method: 'POST' });
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

function parseUser(v: unknown): PublicUser | null {
  if (!isRecord(v) || !isString(v.id) || !isString(v.login)) return null;
  return { id: v.id, login: v.login, email: isString(v.email) ? v.email : '', name: isString(v.name) ? v.name : v.login };
}

function parseInstance(v: unknown): PublicInstance | null {
  // The header rule sets this header on every request to Grafana: the same rule as the server's.
  if (!isRecord(v) || !isString(v.id) || !isString(v.url) || !isPlainHeaderName(v.headerName)) return null;
  try {
    const url = new URL(v.url);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  } catch {
    return null;
  }
  return { id: v.id, name: isString(v.name) ? v.name : v.id, url: v.url, headerName: v.headerName, default: v.default === true };
}

export function parseConfig(v: unknown): PublicConfig | null {
  if (!isRecord(v) || !Array.isArray(v.instances)) return null;
  const instances = v.instances.map(parseInstance);
  if (instances.some((i) => i === null)) return null;
  return { issuer: isString(v.issuer) ? v.issuer : '', loginUrl: isString(v.loginUrl) ? v.loginUrl : '', instances: instances as PublicInstance[] };
}

function parseSession(v: unknown): SessionResponse | null {
  if (!isRecord(v) || !Array.isArray(v.instances)) return null;
  const user = parseUser(v.user);
  const instances = v.instances.filter((i): i is { id: string; role: GrafanaRole } => isRecord(i) && isString(i.id) && isGrafanaRole(i.role));
  return user && { user, instances };
}

function parseToken(v: unknown): TokenAnswer | null {
  if (!isRecord(v) || !isString(v.token) || typeof v.expiresIn !== 'number' || !(v.expiresIn > 0)) return null;
  const user = parseUser(v.user);
  if (!user || !isRecord(v.user) || !isGrafanaRole(v.user.role)) return null;
  return { token: v.token, expiresIn: v.expiresIn, instance: isString(v.instance) ? v.instance : '', user: { ...user, role: v.user.role } };
}
