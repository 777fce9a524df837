import express, { Router, type Request } from 'express';
import type { Context } from '../context.ts';
import { checkFormOrigin, loginCsrfToken, sameToken } from '../csrf.ts';
import { readCookie } from '../cookies.ts';
import { dummyPasswordHash, verifyPassword } from '../passwords.ts';
import { isSafePath } from '../grant.ts';
import { loginPage } from '../views/pages.ts';

const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 });

/** Sign-in and sign-out pages: plain HTML forms, CSRF-protected, throttled. */
export function loginRoutes(ctx: Context): Router {
  const router = Router();
  const csrfCookie = { name: ctx.config.derived.cookies.loginCsrf, secure: ctx.config.derived.https };
  const returnToOf = (v: unknown) => (isSafePath(v) ? v : '/');
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
    res.set('Cache-Control', 'no-store').type('html').send(loginPage({ csrf: loginCsrfToken(req, res, csrfCookie), returnTo }));
  });

  router.post('/login', form, async (req, res) => {
    checkFormOrigin(req, ctx.config.derived.origin);
    res.set('Cache-Control', 'no-store').type('html');
    const login = field(req, 'login').trim();
    const password = field(req, 'password');
    const returnTo = returnToOf(field(req, 'return_to'));
    const again = (status: number, error: string) =>
      res.status(status).send(loginPage({ csrf: loginCsrfToken(req, res, csrfCookie), returnTo, login, error }));

    if (!sameToken(field(req, 'csrf'), readCookie(req, csrfCookie.name))) {
      return again(403, 'The sign-in form expired. Please try again.');
    }
    if (!login || !password || login.length > 200 || password.length > 1024) {
      return again(400, 'Enter your login and password.');
    }
    const ip = req.ip ?? 'unknown';
    const admission = await ctx.throttle.begin(login, ip);
    if ('retryAfter' in admission) {
      await ctx.audit.record('sign_in_throttled', { login, ip });
      res.set('Retry-After', String(admission.retryAfter));
      return again(429, `Too many failed sign-ins. Try again in ${Math.ceil(admission.retryAfter / 60)} minutes.`);
    }

    const user = await ctx.store.getUserByLogin(login);
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
    if (!user || !ok || user.disabled) {
      await ctx.throttle.failed(admission.attempt);
      await ctx.audit.record('sign_in_failed', { login, ip, reason: !user ? 'unknown_user' : !ok ? 'wrong_password' : 'disabled' });
      return again(401, user && ok ? 'This account is disabled.' : 'Wrong login or password.');
    }

    // A new session id at every sign-in: a session cookie planted before sign-in is worthless.
    await ctx.sessions.end(req);
    await ctx.sessions.create(res, user.id);
    await ctx.throttle.succeeded(admission.attempt);
    await ctx.audit.record('sign_in', { user: user.id, login: user.login, ip });
    res.redirect(303, returnTo);
  });

  router.post('/logout', form, async (req, res) => {
    checkFormOrigin(req, ctx.config.derived.origin);
    const auth = await ctx.sessions.load(req);
    if (auth && sameToken(field(req, 'csrf'), auth.session.csrfToken)) {
      await ctx.sessions.destroy(req, res);
      await ctx.audit.record('logout', { user: auth.user.id, login: auth.user.login, via: 'form' });
    }
    res.redirect(303, '/login');
  });

  return router;
}
