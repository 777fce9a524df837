import express, { Router } from 'express';
import type { Context } from '../context.ts';
import { checkFormOrigin, sameToken } from '../csrf.ts';
import { HttpError } from '../errors.ts';
import { grafanaUrlWithToken, grantToken } from '../grant.ts';
import { grafanaSettings } from '../grafana-config.ts';
import { accessibleInstances } from '../policy.ts';
import { homePage } from '../views/pages.ts';
import { resolveInside } from '../contract/index.ts';

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
    checkFormOrigin(req, ctx.config.derived.origin);
    const auth = await ctx.sessions.load(req);
    if (!auth) return res.redirect(303, toLogin('/'));
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!sameToken(body.csrf, auth.session.csrfToken)) throw new HttpError('csrf_failed');
    const path = body.path === undefined || body.path === '' ? '/' : body.path;
    const instance = ctx.instance(String(req.params.instance));
    // Resolved and checked before minting: a path that leaves Grafana's sub-path gets no token at all.
    const target = instance && resolveInside(instance.url, path);
    if (instance && !target) throw new HttpError('invalid_path');
    const minted = await grantToken(ctx, auth.user, String(req.params.instance));
    res.set('Cache-Control', 'no-store').redirect(303, grafanaUrlWithToken(target!, minted.token));
  });

  router.get('/admin/grafana-config/:instance', async (req, res) => {
    const auth = await ctx.sessions.load(req);
    if (!auth) return res.redirect(302, toLogin(req.originalUrl));
    if (!auth.user.isAdmin) throw new HttpError('admin_required');
    const instance = ctx.instance(String(req.params.instance));
    if (!instance) throw new HttpError('unknown_instance', { instance: String(req.params.instance) });
    const settings = grafanaSettings(ctx.config, instance);
    res.type('text/plain').send(req.query.format === 'env' ? settings.env : settings.ini);
  });

  return router;
}
