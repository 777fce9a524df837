import { createServer, type Server } from 'node:http';
import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Clock } from './clock.ts';
import { apiPaths } from './contract/index.ts';
import { keyState } from './keys.ts';
import { routeOf } from './log.ts';
import type { AuditEvent, Store, StoredKey } from './store/types.ts';

/**
 * The Prometheus metrics (GET /metrics, or on metricsAddress). Labels are bounded sets chosen by the
 * server — instance ids from the configuration, outcomes, route patterns, store operation names —
 * never a user, a login, an address or a token.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly tokensMinted: Counter<'instance' | 'outcome'>;
  readonly signIns: Counter<'method' | 'outcome'>;
  readonly throttled: Counter;
  readonly tokenDuration: Histogram<'status'>;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly storeDuration: Histogram<'operation'>;
  readonly storeErrors: Counter<'operation'>;

  constructor(instanceIds: readonly string[]) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'grafana_sso_' });
    this.tokensMinted = new Counter({
      name: 'grafana_sso_tokens_minted_total',
      help: 'Token requests by Grafana instance and outcome (minted, denied, unknown_instance)',
      labelNames: ['instance', 'outcome'],
      registers,
    });
    this.signIns = new Counter({
      name: 'grafana_sso_sign_ins_total',
      help: 'Sign-in attempts by method (password, oidc) and outcome (success, failed, throttled, refused)',
      labelNames: ['method', 'outcome'],
      registers,
    });
    this.throttled = new Counter({ name: 'grafana_sso_sign_in_throttled_total', help: 'Sign-in attempts refused by the throttle (429)', registers });
    this.tokenDuration = new Histogram({
      name: 'grafana_sso_token_request_duration_seconds',
      help: 'Time to answer POST /api/token, by status',
      labelNames: ['status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.httpRequests = new Counter({
      name: 'grafana_sso_http_requests_total',
      help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.storeDuration = new Histogram({
      name: 'grafana_sso_store_operation_duration_seconds',
      help: 'Time of each store (database) operation',
      labelNames: ['operation'],
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
      registers,
    });
    this.storeErrors = new Counter({ name: 'grafana_sso_store_errors_total', help: 'Store operations that failed', labelNames: ['operation'], registers });
    for (const instance of instanceIds) this.tokensMinted.inc({ instance, outcome: 'minted' }, 0);
  }

  /**
   * Gauges read at scrape time from the store, so every server sharing it reports the same numbers.
   * A failing store leaves them out of the scrape (its errors are counted) rather than failing it.
   */
  watch({ store, clock, rotationMs, sessionIdleMs }: { store: Store; clock: Clock; rotationMs: number; sessionIdleMs: number }): void {
    const registers = [this.registry];
    new Gauge({
      name: 'grafana_sso_active_sessions',
      help: 'Sessions not yet expired',
      registers,
      async collect() {
        const now = clock.now();
        this.reset();
        const n = await store.countSessions(now - sessionIdleMs, now).catch(() => undefined);
        if (n !== undefined) this.set(n);
      },
    });
    new Gauge({
      name: 'grafana_sso_signing_keys',
      help: 'Signing keys by state (pending: published, not signing yet; active; retired: still published)',
      labelNames: ['state'],
      registers,
      async collect() {
        this.reset();
        const keys = await store.listKeys().catch(() => undefined);
        const now = clock.now();
        if (keys) for (const state of ['pending', 'active', 'retired'] as const) this.set({ state }, keys.filter((k) => keyState(k, now) === state).length);
      },
    });
    new Gauge({
      name: 'grafana_sso_next_key_rotation_seconds',
      help: 'Seconds until the next key starts signing (negative when overdue); absent when rotation is off',
      registers,
      async collect() {
        this.reset();
        const keys = await store.listKeys().catch(() => undefined);
        const now = clock.now();
        const next = keys && nextRotation(keys, now, rotationMs);
        if (next !== undefined) this.set((next - now) / 1000);
      },
    });
  }

  /** Sign-in outcomes come from the audit trail, the one place every sign-in path already reports to. */
  observeAudit(event: AuditEvent): void {
    const signIn = SIGN_IN_EVENTS[event.type];
    if (!signIn) return;
    this.signIns.inc(signIn);
    if (signIn.outcome === 'throttled') this.throttled.inc();
  }

  /** Counts every request by route pattern; times the token endpoint. */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const end = req.method === 'POST' && req.path === apiPaths.token ? this.tokenDuration.startTimer() : undefined;
      res.once('finish', () => {
        const status = String(res.statusCode);
        end?.({ status });
        this.httpRequests.inc({ method: METHODS.has(req.method) ? req.method : 'other', route: routeOf(req), status });
      });
      next();
    };
  }

  /** GET /metrics in Prometheus' text format. */
  handler(): RequestHandler {
    return async (_req, res) => {
      res.set('Content-Type', this.registry.contentType).set('Cache-Control', 'no-store').send(await this.registry.metrics());
    };
  }
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

const SIGN_IN_EVENTS: Record<string, { method: string; outcome: string }> = {
  sign_in: { method: 'password', outcome: 'success' },
  sign_in_failed: { method: 'password', outcome: 'failed' },
  sign_in_throttled: { method: 'password', outcome: 'throttled' },
  oidc_sign_in: { method: 'oidc', outcome: 'success' },
  oidc_sign_in_refused: { method: 'oidc', outcome: 'refused' },
};

/** When the next key takes over: a pending key's activation, else the active key's scheduled end. */
export function nextRotation(keys: readonly StoredKey[], now: number, rotationMs: number): number | undefined {
  const pending = keys.filter((k) => keyState(k, now) === 'pending').map((k) => k.activatesAt);
  if (pending.length > 0) return Math.min(...pending);
  const active = keys.filter((k) => keyState(k, now) === 'active').at(-1);
  return active && rotationMs > 0 ? active.activatesAt + rotationMs : undefined;
}

/**
 * The store with every operation timed and its failures counted, at the Store interface, so it
 * measures whichever engine is behind it.
 */
export function measuredStore<S extends Store>(store: S, metrics: Metrics): S {
  return new Proxy(store, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function' || typeof name !== 'string' || name === 'close') return value;
      return (...args: unknown[]) => {
        const end = metrics.storeDuration.startTimer({ operation: name });
        let result: unknown;
        try {
          result = (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (e) {
          end();
          metrics.storeErrors.inc({ operation: name });
          throw e;
        }
        if (!(result instanceof Promise)) {
          end();
          return result;
        }
        return result.then(
          (v: unknown) => {
            end();
            return v;
          },
          (e: unknown) => {
            end();
            metrics.storeErrors.inc({ operation: name });
            throw e;
          },
        );
      };
    },
  });
}

/** /metrics on its own listener (metricsAddress), so it need not be reachable where users are. */
export async function listenMetrics(metrics: Metrics, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Only GET /metrics is served here\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType, 'Cache-Control': 'no-store' }).end(text),
      () => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('metrics failed\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
