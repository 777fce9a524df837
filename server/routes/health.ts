import { Router } from 'express';
import type { Context } from '../context.ts';
import { HttpError } from '../errors.ts';
import { StoreUnavailableError } from '../store/driver.ts';

/** Why the server should not get traffic now; empty when ready. */
export interface Readiness {
  /** Set once shutdown begins: the load balancer should stop sending requests. */
  draining: boolean;
}

/**
 * Liveness and readiness, for a process supervisor and a load balancer: /healthz says the process
 * answers; /readyz also that the store answers and a key can sign, and turns 503 while shutting down.
 * Failure details go to the log, not to the unauthenticated caller.
 */
export function healthRoutes(ctx: Context, readiness: Readiness): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    const checks = { store: 'ok', signingKey: 'ok', shutdown: readiness.draining ? 'draining' : 'no' };
    // Why the database is down, in words the store made safe to publish (no address, no credential).
    let reason: string | undefined;
    await ctx.store.ping().catch((e: unknown) => {
      checks.store = 'failed';
      if (e instanceof StoreUnavailableError) reason = e.message;
      ctx.log(`readiness: the store does not answer: ${(e as Error).message}`);
    });
    // currentSigner re-reads the store when its cache is stale, so this also sees a store gone bad.
    await ctx.keys.currentSigner().catch((e: unknown) => {
      checks.signingKey = 'failed';
      ctx.log(`readiness: no key can sign: ${(e as Error).message}`);
    });
    if (checks.store !== 'ok' || checks.signingKey !== 'ok' || readiness.draining) {
      const error = new HttpError('server_unavailable', { extra: { checks, ...(reason ? { reason } : {}) } });
      res.set('Retry-After', '5');
      res.status(error.status).json(error.body());
    } else res.json({ status: 'ready', checks });
  });
  return router;
}
