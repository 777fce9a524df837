import { Router } from 'express';
import { apiPaths } from '../contract/index.ts';
import type { Context } from '../context.ts';

/**
 * The public key set Grafana fetches (jwk_set_url). Always 200 JSON: Grafana does not check the status
 * and would cache an error body as an empty key set. max-age never exceeds the pre-publication time,
 * and is short enough that Grafana 12.2+, which honours a smaller max-age, picks up changes within 15 min.
 */
export function jwksRoutes(ctx: Context): Router {
  const maxAge = Math.min(ctx.config.grafanaJwksCacheSeconds, 900);
  return Router().get(apiPaths.jwks, async (_req, res) => {
    res.type('application/jwk-set+json').set('Cache-Control', `public, max-age=${maxAge}`).send(await ctx.keys.currentJwks());
  });
}
