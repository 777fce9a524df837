import express, { Router, type Request } from 'express';
import type { Context } from '../context.ts';
import { checkFormOrigin, sameToken } from '../csrf.ts';
import { resolveInside } from '../contract/index.ts';
import { loginPage } from '../views/pages.ts';

const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 });

/** Sign-in and sign-out pages: plain HTML forms, CSRF-protected, throttled. */
export function loginRoutes(ctx: Context): Router {
  const router = Router();
  // Normalised and kept on this server; anything else goes home.
  const ownOrigin = new URL(ctx.config.publicUrl).origin;
  const returnToOf = (v: unknown) => {
    const url = resolveInside(ownOrigin, v);
    return url ? url.pathname + url.search + url.hash : '/';
  };
  const field = (req: Request, name: string): string => {
    const v = (req.body as Record<string, unknown> | undefined)?.[name];
    return typeof v === 'string' ? v : '';
  };

  router.get('/login', async (req, res) => {
    const returnTo = returnToOf(req.query.return_to);
    if (await ctx.sessions.load(req)) {
      res.redirect(303, returnTo);
      return;
    }
    res.set('Cache-Control', 'no-store').type('html').send(loginPage({ csrf: ctx.loginCsrf.token(req, res), returnTo }));
  });

  router.post('/login', form, async (req, res) => {
    checkFormOrigin(req, ctx.config.publicUrl);
    res.set('Cache-Control', 'no-store').type('html');
    const login = field(req, 'login').trim();
    const password = field(req, 'password');
    const returnTo = returnToOf(field(req, 'return_to'));
    const again = (status: number, error: string) =>
      res.status(status).send(loginPage({ csrf: ctx.loginCsrf.token(req, res), returnTo, login, error }));

    if (!ctx.loginCsrf.check(req, field(req, 'csrf'))) {
      return again(403, 'The sign-in form expired. Please try again.');
    }
    if (!login || !password || login.length > 200 || password.length > 1024) {
      return again(400, 'Enter your login and password.');
    }
    const outcome = await ctx.passwordSignIn.attempt(login, password, req.ip ?? 'unknown');
    if (!outcome.ok) {
      if (outcome.retryAfterSeconds) res.set('Retry-After', String(outcome.retryAfterSeconds));
      return again(outcome.status, outcome.message);
    }
    const { user } = outcome;
    const ip = req.ip ?? 'unknown';

    // A new session id at every sign-in: a session cookie planted before sign-in is worthless.
    await ctx.sessions.end(req);
    await ctx.sessions.create(res, user.id);
    await ctx.audit.record('sign_in', { user: user.id, login: user.login, ip });
    res.redirect(303, returnTo);
  });

  router.post('/logout', form, async (req, res) => {
    checkFormOrigin(req, ctx.config.publicUrl);
    const auth = await ctx.sessions.load(req);
    if (auth && sameToken(field(req, 'csrf'), auth.session.csrfToken)) {
      await ctx.sessions.destroy(req, res);
      await ctx.audit.record('logout', { user: auth.user.id, login: auth.user.login, via: 'form' });
    }
    res.redirect(303, '/login');
  });

  return router;
}
