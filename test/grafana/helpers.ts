/**
 * Test helpers for the stand-in's own tests: real keys, real signatures, a real JWKS endpoint on
 * 127.0.0.1 (http, hence app_mode = development in the ini).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CompactSign, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { startGrafanaStandin, type GrafanaStandin, type StandinOptions } from './standin.ts';

export const HEADER = 'X-JWT-Assertion';
export const ISSUER = 'https://sso.example.test';
export const AUDIENCE = 'grafana-test';

export interface TestKey {
  alg: string;
  kid: string | undefined;
  privateKey: CryptoKey | Uint8Array;
  /** Public JWK as it would be published (kid, alg, use included). */
  jwk: JWK;
}

/** `kid: null` makes a key (and its tokens) without kid. */
export async function makeKey(alg = 'ES256', kid: string | null = 'key-1'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), alg, use: 'sig' };
  if (kid !== null) jwk.kid = kid;
  return { alg, kid: kid ?? undefined, privateKey, jwk };
}

export function makeHmacKey(bytes: number, alg = 'HS256', kid = 'hmac-1'): TestKey {
  const secret = new Uint8Array(bytes).map((_, i) => (i * 7 + 3) & 0xff);
  return { alg, kid, privateKey: secret, jwk: { kty: 'oct', k: Buffer.from(secret).toString('base64url'), kid, alg } };
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** A token our token server would mint; `over` replaces claims, `undefined` removes one. */
export function claims(over: Record<string, unknown> = {}): Record<string, unknown> {
  const t = nowSeconds();
  return {
    sub: 'user-1',
    login: 'alice',
    email: 'alice@example.test',
    name: 'Alice Example',
    role: 'Editor',
    iss: ISSUER,
    aud: AUDIENCE,
    iat: t,
    nbf: t,
    exp: t + 300,
    jti: randomUUID(),
    ...over,
  };
}

/** Signs any payload, even one with wrong claim types (CompactSign does not look at claims). */
export async function sign(
  key: TestKey,
  payload: Record<string, unknown> = claims(),
  header: Record<string, unknown> = {},
): Promise<string> {
  const protectedHeader: Record<string, unknown> = { alg: key.alg, typ: 'JWT', ...header };
  if (key.kid !== undefined && !('kid' in header)) protectedHeader.kid = key.kid;
  for (const [k, v] of Object.entries(protectedHeader)) if (v === undefined) delete protectedHeader[k];
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(protectedHeader as { alg: string })
    .sign(key.privateKey);
}

/** alg "none": header.payload. (empty signature) */
export function unsignedToken(payload: Record<string, unknown> = claims()): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
}

export interface JwksServer {
  url: string;
  /** How many times the JWKS was fetched. */
  fetches: number;
  /** What the next fetches get. `body` is JSON-encoded unless it is a string. */
  respond(body: unknown, options?: { status?: number; headers?: Record<string, string> }): void;
  close(): Promise<void>;
}

export async function startJwksServer(keys: JWK[] = []): Promise<JwksServer> {
  let answer = { status: 200, body: JSON.stringify({ keys }), headers: {} as Record<string, string> };
  const state = {
    url: '',
    fetches: 0,
    respond(body: unknown, options: { status?: number; headers?: Record<string, string> } = {}) {
      answer = {
        status: options.status ?? 200,
        body: typeof body === 'string' ? body : JSON.stringify(body),
        headers: options.headers ?? {},
      };
    },
    close: async () => {},
  };
  const server = createServer((_req: IncomingMessage, res: ServerResponse) => {
    state.fetches++;
    res.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return state;
}

/**
 * grafana.ini as the project recommends it (docs/grafana-jwt.md#recommended), pointing at `keySource`.
 * `jwt` overrides [auth.jwt] keys (null removes one); `extra` is appended verbatim.
 */
export function iniText(
  keySource: Record<string, string>,
  jwt: Record<string, string | null> = {},
  extra = '',
): string {
  const settings: Record<string, string | null> = {
    enabled: 'true',
    header_name: HEADER,
    url_login: 'true',
    username_claim: 'login',
    email_claim: 'email',
    expect_claims: JSON.stringify({ iss: ISSUER, aud: AUDIENCE }),
    role_attribute_path: 'role',
    role_attribute_strict: 'true',
    auto_sign_up: 'true',
    ...keySource,
    ...jwt,
  };
  const lines = Object.entries(settings)
    .filter((e): e is [string, string] => e[1] !== null)
    .map(([k, v]) => `${k} = ${v}`);
  return `app_mode = development\n\n[auth.jwt]\n${lines.join('\n')}\n${extra}\n`;
}

/** Starts/stops everything a test needs; call `cleanup()` in afterEach. */
export function harness() {
  const closers: Array<() => Promise<void>> = [];
  return {
    async jwks(keys: JWK[] = []): Promise<JwksServer> {
      const s = await startJwksServer(keys);
      closers.push(() => s.close());
      return s;
    },
    async standin(options: StandinOptions): Promise<GrafanaStandin> {
      const s = await startGrafanaStandin(options);
      closers.push(() => s.close());
      return s;
    },
    /** JWKS server with `key` published + a stand-in using it, recommended settings unless overridden. */
    async start(
      key: TestKey | TestKey[],
      jwt: Record<string, string | null> = {},
      extra = '',
      options: Omit<StandinOptions, 'ini'> = {},
    ) {
      const keys = Array.isArray(key) ? key : [key];
      const jwks = await this.jwks(keys.map((k) => k.jwk));
      const grafana = await this.standin({ ...options, ini: iniText({ jwk_set_url: jwks.url }, jwt, extra) });
      return { jwks, grafana };
    },
    async cleanup() {
      await Promise.all(closers.splice(0).map((close) => close()));
    },
  };
}

export interface Answer {
  status: number;
  body: unknown;
  location: string | null;
  setCookie: string | null;
}

/** One request to the stand-in; `token` goes in the header (as-is), `urlToken` in ?auth_token=. */
export async function call(
  grafana: GrafanaStandin,
  path: string,
  options: { token?: string; urlToken?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const url = new URL(path, grafana.url);
  if (options.urlToken !== undefined) url.searchParams.set('auth_token', options.urlToken);
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers[HEADER] = options.token;
  const res = await fetch(url, { headers, redirect: 'manual' });
  const text = await res.text();
  let body: unknown = text;
  if (res.headers.get('content-type')?.includes('json')) body = JSON.parse(text);
  return { status: res.status, body, location: res.headers.get('location'), setCookie: res.headers.get('set-cookie') };
}

/** The JSON body of a failure, for shape assertions. */
export const failure = (messageId: string, message: string) => ({ messageId, message });
export const JWT_INVALID = failure('jwt.invalid', 'Failed to verify JWT');
