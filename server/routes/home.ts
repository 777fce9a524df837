import express, { Router } from 'express';
import type { Context } from '../context.ts';
import { checkFormOrigin, sameToken } from '../csrf.ts';
import { HttpError } from '../errors.ts';
import { grafanaUrlWithToken, grantToken } from '../grant.ts';
import { grafanaSettings } from '../grafana-config.ts';
import { accessibleInstances } from '../policy.ts';
import { homePage } from '../views/pages.ts';
import { resolveInside } from '../target-url.ts';

const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 });

/** The signed-in user's home page, its Open buttons (same minting as the API), and admin pages. */
export function homeRoutes(ctx: Context): Router {
  const router = Router();
  const toLogin = (returnTo: string) => `/login?return_to=${encodeURIComponent(returnTo)}`;

  router.get('/', async (req, res) => {
    const auth = await ctx.sessions.load(req);
    if (!auth) return res.redirect(302, toLogin('/'));
    const instances = accessibleInstances(ctx.config, auth.user);
    res.set('Cache-Control', 'no-store').type('html').send(homePage({ user: auth.user, csrf: auth.session.csrfToken, instances, isAdmin: auth.user.isAdmin }));
  });

  // POST with a CSRF token, not a GET link: another site must not be able to make the browser mint.
  router.post('/open/:instance', form, async (req, res) => {
    checkFormOrigin(req, ctx.config.publicUrl);
    const auth = await ctx.sessions.load(req);
    if (!auth) return res.redirect(303, toLogin('/'));
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!sameToken(body.csrf, auth.session.csrfToken)) throw new HttpError(403, 'csrf_failed', 'The page expired. Go back, reload and try again.');
    const path = body.path === undefined || body.path === '' ? '/' : body.path;
    const instance = ctx.instance(String(req.params.instance));
    // Resolved and checked before minting: a path that leaves Grafana's sub-path gets no token at all.
    const target = instance && resolveInside(instance.url, path);
    if (instance && !target) throw new HttpError(400, 'invalid_path', 'path must be a path inside Grafana, starting with "/"');
    const minted = await grantToken(ctx, auth.user, String(req.params.instance));
    res.set('Cache-Control', 'no-store').redirect(303, grafanaUrlWithToken(target!, minted.token));
  });

  router.get('/admin/grafana-config/:instance', async (req, res) => {
    const auth = await ctx.sessions.load(req);
    if (!auth) return res.redirect(302, toLogin(req.originalUrl));
    if (!auth.user.isAdmin) throw new HttpError(403, 'admin_required', 'Only administrators can see Grafana settings');
    const instance = ctx.instance(String(req.params.instance));
    if (!instance) throw new HttpError(404, 'unknown_instance', `No Grafana instance "${String(req.params.instance)}" is configured`);
    const settings = grafanaSettings(ctx.config, instance);
    res.type('text/plain').send(req.query.format === 'env' ? settings.env : settings.ini);
  });

  return router;
}
