import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenMetrics } from '../../server/metrics.ts';
import { loginForm, postForm, requestToken, startTokenServer, type RunningTokenServer } from '../helpers/token-server.ts';

const PASSWORD = 'correct horse battery staple';

/** One sample's value from Prometheus text, e.g. metric('x_total{a="b"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const logLines = (s: RunningTokenServer) =>
  readFileSync(s.logPath, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('metrics, request logs and readiness', () => {
  let s: RunningTokenServer;
  let cookie: string;
  let token: string;
  let userId: string;

  beforeAll(async () => {
    s = await startTokenServer({
      settings: {
        signInMaxFailuresPerAccount: 2,
        instances: [
          { id: 'prod', url: 'http://grafana.test' },
          { id: 'lab', url: 'http://lab.test', defaultRole: null },
        ],
      },
      users: [{ login: 'alice', email: 'alice@corp.example', password: PASSWORD }],
    });
    userId = (await s.store.getUserByLogin('alice'))!.id;
    cookie = await s.signIn('alice', PASSWORD);
    const minted = await requestToken(s.url, cookie, 'prod', { 'x-request-id': 'proxy-req-42' });
    expect(minted.status).toBe(200);
    token = ((await minted.json()) as { token: string }).token;
    expect((await requestToken(s.url, cookie, 'lab')).status).toBe(403);
    expect((await requestToken(s.url, cookie, 'nowhere')).status).toBe(404);
    // Two wrong passwords for bob, then a third attempt the throttle refuses.
    for (const expected of [401, 401, 429]) {
      const form = await loginForm(s.url);
      const res = await postForm(`${s.url}/login`, form.cookie, { login: 'bob', password: 'wrong-password-123', csrf: form.csrf });
      expect(res.status).toBe(expected);
    }
  });
  afterAll(() => s.close());

  it('counts tokens by instance and outcome, sign-ins by method and outcome, and throttled attempts', async () => {
    const res = await fetch(`${s.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(sample(text, 'grafana_sso_tokens_minted_total{instance="prod",outcome="minted"}')).toBe(1);
    expect(sample(text, 'grafana_sso_tokens_minted_total{instance="lab",outcome="denied"}')).toBe(1);
    expect(sample(text, 'grafana_sso_tokens_minted_total{instance="(unknown)",outcome="unknown_instance"}')).toBe(1);
    expect(sample(text, 'grafana_sso_sign_ins_total{method="password",outcome="success"}')).toBe(1);
    expect(sample(text, 'grafana_sso_sign_ins_total{method="password",outcome="failed"}')).toBe(2);
    expect(sample(text, 'grafana_sso_sign_ins_total{method="password",outcome="throttled"}')).toBe(1);
    expect(sample(text, 'grafana_sso_sign_in_throttled_total')).toBe(1);
    expect(sample(text, 'grafana_sso_http_requests_total{method="POST",route="/login",status="429"}')).toBe(1);
  });

  it('reports token latency, sessions, keys, the next rotation, store timings and process metrics', async () => {
    const text = await (await fetch(`${s.url}/metrics`)).text();
    expect(sample(text, 'grafana_sso_token_request_duration_seconds_count{status="200"}')).toBe(1);
    expect(sample(text, 'grafana_sso_token_request_duration_seconds_count{status="403"}')).toBe(1);
    expect(sample(text, 'grafana_sso_active_sessions')).toBe(1);
    expect(sample(text, 'grafana_sso_signing_keys{state="active"}')).toBe(1);
    expect(sample(text, 'grafana_sso_signing_keys{state="pending"}')).toBe(0);
    // Default rotation: 30 days after the first key started signing (a moment ago).
    const next = sample(text, 'grafana_sso_next_key_rotation_seconds')!;
    expect(next).toBeGreaterThan(30 * 86400 - 600);
    expect(next).toBeLessThanOrEqual(30 * 86400);
    expect(sample(text, 'grafana_sso_store_operation_duration_seconds_count{operation="getSessionWithUser"}')).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'grafana_sso_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sample(text, 'grafana_sso_nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('carries no user identity, token or cookie in metrics', async () => {
    const text = await (await fetch(`${s.url}/metrics`)).text();
    const sessionValue = cookie.split('=')[1]!;
    for (const secret of ['alice', 'bob', 'corp.example', userId, token, token.split('.')[2]!, sessionValue]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/127\.0\.0\.1/);
  });

  it('logs one JSON line per request: request id, method, route, status, duration and the user id', () => {
    const lines = logLines(s);
    const tokenLine = lines.find((l) => l.route === '/api/token' && l.status === 200)!;
    expect(tokenLine).toMatchObject({ level: 'info', msg: 'request', reqId: 'proxy-req-42', method: 'POST', path: '/api/token', user: userId });
    expect(typeof tokenLine.ms).toBe('number');
    expect(typeof tokenLine.time).toBe('string');
    const denied = lines.find((l) => l.route === '/api/token' && l.status === 403)!;
    expect(denied.reqId).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines.find((l) => l.route === '/login' && l.status === 429)).toMatchObject({ method: 'POST' });
  });

  it('echoes a well-formed X-Request-Id and replaces a malformed one', async () => {
    const kept = await fetch(`${s.url}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(kept.headers.get('x-request-id')).toBe('abc-123');
    const replaced = await fetch(`${s.url}/healthz`, { headers: { 'x-request-id': 'a"b\\n{}' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('never writes a token, a cookie, a CSRF value or a password into the log', () => {
    const text = readFileSync(s.logPath, 'utf8');
    expect(text.length).toBeGreaterThan(0);
    for (const secret of [token, token.split('.')[2]!, cookie.split('=')[1]!, PASSWORD, 'wrong-password-123']) expect(text).not.toContain(secret);
  });

  it('is ready with the store answering and a signing key; /healthz stays a bare liveness check', async () => {
    const ready = await fetch(`${s.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { store: 'ok', signingKey: 'ok', shutdown: 'no' } });
    expect(await (await fetch(`${s.url}/healthz`)).json()).toEqual({ status: 'ok' });
  });
});

describe('readiness when things go wrong', () => {
  it('answers 503 server_unavailable once the store is gone, counts the store errors, and still serves /healthz and /metrics', async () => {
    const s = await startTokenServer();
    try {
      await s.store.close();
      const res = await fetch(`${s.url}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ code: 'server_unavailable', checks: { store: 'failed' } });
      expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
      const metrics = await fetch(`${s.url}/metrics`);
      expect(metrics.status).toBe(200);
      const text = await metrics.text();
      expect(sample(text, 'grafana_sso_store_errors_total{operation="ping"}')).toBe(1);
      // The scrape-time gauges read the store too: their failures are counted (seen by the next scrape), not fatal to it.
      const again = await (await fetch(`${s.url}/metrics`)).text();
      expect(sample(again, 'grafana_sso_store_errors_total{operation="countSessions"}')).toBeGreaterThanOrEqual(1);
    } finally {
      await s.close().catch(() => {});
    }
  });

  it('answers 503 while draining for shutdown', async () => {
    const s = await startTokenServer();
    try {
      s.server.readiness.draining = true;
      const res = await fetch(`${s.url}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ code: 'server_unavailable', checks: { store: 'ok', signingKey: 'ok', shutdown: 'draining' } });
      expect(res.headers.get('connection')).toBe('close');
    } finally {
      await s.close();
    }
  });
});

describe('metrics on their own address', () => {
  let s: RunningTokenServer;
  let listener: Server;

  beforeAll(async () => {
    s = await startTokenServer({ settings: { metricsAddress: '127.0.0.1:9464' } });
    listener = await listenMetrics(s.server.metrics, '127.0.0.1', 0);
  });
  afterAll(async () => {
    await new Promise((resolve) => listener.close(resolve));
    await s.close();
  });

  it('serves /metrics only there: the main listener answers 404', async () => {
    expect((await fetch(`${s.url}/metrics`, { headers: { accept: 'application/json' } })).status).toBe(404);
    const port = (listener.address() as AddressInfo).port;
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('grafana_sso_tokens_minted_total');
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
  });

  it('refuses a metricsAddress that is not host:port, naming the setting', async () => {
    await expect(startTokenServer({ settings: { metricsAddress: 'localhost' } })).rejects.toThrow(/metricsAddress: must be empty or host:port/);
  });
});
