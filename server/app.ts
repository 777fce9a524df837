import express, { type Express, type RequestHandler } from 'express';
import { AuditLog } from './audit.ts';
import { systemClock, type Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { Context } from './context.ts';
import { HttpError } from './errors.ts';
import type { HashQueueLimits } from './hash-queue.ts';
import { LoginCsrf } from './csrf.ts';
import { DeviceCookies } from './device-cookie.ts';
import { keySealerFor } from './key-encryption.ts';
import { KeyManager, keySchedule } from './keys.ts';
import { ServerSecret } from './server-secret.ts';
import { DEFAULT_HASH_QUEUE, PasswordSignIn } from './password-sign-in.ts';
import { RECOMMENDED_COST, type ScryptCost } from './passwords.ts';
import { createLogger, requestLog, type Logger } from './log.ts';
import { Metrics, measuredStore } from './metrics.ts';
import { ProviderRegistry } from './oidc/providers.ts';
import { ProviderSessions } from './oidc/provider-sessions.ts';
import { IdentityRefresh } from './oidc/refresh.ts';
import { Sessions } from './sessions.ts';
import type { Store } from './store/types.ts';
import { SignInThrottle } from './throttle.ts';
import { ThrottleEvents } from './throttle-events.ts';
import { apiRoutes } from './routes/api.ts';
import { goLinkRoutes } from './routes/go-link.ts';
import { healthRoutes, type Readiness } from './routes/health.ts';
import { homeRoutes } from './routes/home.ts';
import { jwksRoutes } from './routes/jwks.ts';
import { loginRoutes } from './routes/login.ts';
import { oidcRoutes } from './routes/oidc.ts';
import { closeWhenDraining, errorHandler, refusePreflight, securityHeaders } from './http-edge.ts';
import { STYLE } from './views/pages.ts';

export interface TokenServer {
  app: Express;
  ctx: Context;
  /** One run of what the timer does every minute (tests call it after moving the clock). */
  maintain(): Promise<void>;
  metrics: Metrics;
  /** Set `draining` when shutdown begins: /readyz answers 503 and connections are not kept alive. */
  readiness: Readiness;
  /** Stops timers and flushes the audit log; the caller closes the store and the listener. */
  close(): Promise<void>;
}

export interface AppDeps {
  config: Config;
  store: Store;
  clock?: Clock;
  /** The operational log (never tokens); defaults to stderr in config.logFormat. */
  logger?: Logger;
  /** Operational messages (never tokens); defaults to warnings in the logger. */
  log?: (message: string) => void;
  /** Run key and session maintenance every minute (default true). */
  timers?: boolean;
  /** scrypt cost of new and re-hashed passwords (default RECOMMENDED_COST); tests and benchmarks lower it. */
  passwordCost?: ScryptCost;
  hashQueue?: HashQueueLimits;
  /**
   * Routes mounted after the app's own and before its 404 handler, so their requests pass every
   * middleware a real request passes (the benchmark's reference route uses this).
   */
  extraRoutes?: RequestHandler;
}

/** Builds the Express app and its services. Listening is the caller's business (cli.ts, tests). */
export async function createApp(deps: AppDeps): Promise<TokenServer> {
  const { config } = deps;
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createLogger(config.logFormat);
  const log = deps.log ?? ((m: string) => logger.warn(m));
  const schedule = keySchedule(config);
  const metrics = new Metrics(config.instances.map((i) => i.id));
  const store = measuredStore(deps.store, metrics);
  metrics.watch({ store, clock, rotationMs: schedule.rotationMs, sessionIdleMs: config.sessionIdleMinutes * 60_000 });
  const readiness: Readiness = { draining: false };
  const audit = new AuditLog(store, clock, config.auditLog);
  audit.observe((event) => metrics.observeAudit(event));
  const sealer = keySealerFor(config);
  const keys = new KeyManager(store, clock, schedule, audit, sealer);
  const instances = new Map(config.instances.map((i) => [i.id, i]));
  const throttle = new SignInThrottle(store, clock, {
    maxPerAccount: config.signInMaxFailuresPerAccount,
    maxPerIp: config.signInMaxFailuresPerIp,
    windowMs: config.signInFailureWindowMinutes * 60_000,
  });
  const secret = await ServerSecret.load(store, sealer);
  // Refused sign-ins coalesce per key over a minute: a client repeating one cannot flood the audit trail.
  const throttleEvents = new ThrottleEvents(audit, clock, 60_000);
  const passwordSignIn = PasswordSignIn.create({
    store,
    secret,
    clock,
    audit,
    throttle,
    throttleEvents,
    cost: deps.passwordCost ?? RECOMMENDED_COST,
    queue: deps.hashQueue ?? DEFAULT_HASH_QUEUE,
  });
  const providers = new ProviderRegistry(config.providers, log, { retry: deps.timers !== false });
  const providerSessions = new ProviderSessions(store, config.providers);
  const ctx: Context = {
    config,
    store,
    clock,
    keys,
    audit,
    log,
    metrics,
    sessions: new Sessions(store, clock, {
      secure: config.derived.https,
      cookieName: config.derived.cookies.session,
      idleMs: config.sessionIdleMinutes * 60_000,
      absoluteMs: config.sessionAbsoluteHours * 3600_000,
    }),
    throttle,
    passwordSignIn,
    loginCsrf: new LoginCsrf(secret, clock, { name: config.derived.cookies.loginCsrf, secure: config.derived.https }),
    devices: new DeviceCookies(secret, { name: config.derived.cookies.device, secure: config.derived.https }),
    providers,
    providerSessions,
    instance: (id) => instances.get(id),
  };
  if (config.providers.length > 0) {
    const refresh = new IdentityRefresh({
      store,
      clock,
      audit,
      log,
      registry: providers,
      sessions: providerSessions,
      policy: { intervalMs: config.identityRefreshMinutes * 60_000, graceMs: config.identityRefreshGraceMinutes * 60_000 },
    });
    ctx.sessions.guard = (session, user) => refresh.check(session, user);
  }
  await keys.sealStoredKeys();
  await keys.maintain();
  // After a crash: the audit file catches up with the database before anything else is recorded.
  await audit.copy();
  // A provider that answers wrongly is a configuration error; one that does not answer is retried.
  await providers.start();

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.use(requestLog(logger), metrics.middleware());
  app.use(closeWhenDraining(readiness), securityHeaders(config), refusePreflight());

  app.use(healthRoutes(ctx, readiness));
  if (!config.derived.metricsListen) app.get('/metrics', metrics.handler());
  app.get('/assets/style.css', (_req, res) => {
    res.type('css').set('Cache-Control', 'public, max-age=3600').send(STYLE);
  });
  app.use(jwksRoutes(ctx));
  app.use(apiRoutes(ctx));
  app.use(loginRoutes(ctx));
  app.use(oidcRoutes(ctx));
  app.use(homeRoutes(ctx));
  app.use(goLinkRoutes(ctx));
  if (deps.extraRoutes) app.use(deps.extraRoutes);

  app.use((req, _res, next) => next(new HttpError('not_found', { method: req.method, path: req.path })));
  app.use(errorHandler(log));

  const maintain = async () => {
    const now = clock.now();
    await Promise.all([
      keys.maintain(),
      store.deleteExpiredSessions(now - config.sessionIdleMinutes * 60_000, now),
      throttleEvents.flush(),
      store.pruneAudit(now - config.auditRetentionDays * 86_400_000),
    ]);
    // Last: picks up the events just recorded, and any the CLI recorded.
    await audit.copy();
  };
  let timer: NodeJS.Timeout | undefined;
  if (deps.timers !== false) {
    timer = setInterval(() => maintain().catch((e: unknown) => log(`maintenance failed: ${(e as Error).message}`)), 60_000);
    timer.unref();
  }

  return {
    app,
    ctx,
    maintain,
    metrics,
    readiness,
    close: async () => {
      clearInterval(timer);
      providers.close();
      await throttleEvents.flush(true);
      await audit.close();
    },
  };
}
