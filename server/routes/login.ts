import express, { Router, type Request, type Response } from 'express';
import type { Context } from '../context.ts';
import { checkFormOrigin, loginCsrfToken, sameToken } from '../csrf.ts';
import { readCookie } from '../cookies.ts';
import { dummyPasswordHash, verifyPassword } from '../passwords.ts';
import { isSafePath } from '../grant.ts';
import { errorMessage, errorStatus } from '../contract/index.ts';
import { endSessionUrl } from '../oidc/logout.ts';
import { loginPage, signedOutPage, type LoginPageOptions } from '../views/pages.ts';

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

  const providers = ctx.config.providers.map((p) => ({ id: p.id, name: p.name }));
  const page = (req: Request, res: Response, o: Omit<LoginPageOptions, 'csrf'>) =>
    loginPage({ ...o, csrf: loginCsrfToken(req, res, csrfCookie), providers, passwordForm: ctx.config.localAccounts });

  router.get('/login', async (req, res) => {
    const returnTo = returnToOf(req.query.return_to);
    if (await ctx.sessions.load(req)) {
      res.redirect(303, returnTo);
      return;
    }
    const signedOut = req.query.signed_out !== undefined;
    // One provider and no passwords: nothing to choose, so straight to the provider. While the
    // provider's own session lives, an expired session here renews itself without a click.
    if (providers.length === 1 && !ctx.config.localAccounts && !signedOut) {
      res.set('Cache-Control', 'no-store').redirect(303, `/oidc/${providers[0]!.id}/login?return_to=${encodeURIComponent(returnTo)}`);
      return;
    }
    res.set('Cache-Control', 'no-store').type('html').send(page(req, res, { returnTo, ...(signedOut ? { notice: 'You are signed out.' } : {}) }));
  });

  router.post('/login', form, async (req, res) => {
    checkFormOrigin(req, ctx.config.derived.origin);
    res.set('Cache-Control', 'no-store').type('html');
    const login = field(req, 'login').trim();
    const password = field(req, 'password');
    const returnTo = returnToOf(field(req, 'return_to'));
    const again = (status: number, error: string) => res.status(status).send(page(req, res, { returnTo, login, error }));

    if (!ctx.config.localAccounts) {
      await ctx.audit.record('sign_in_failed', { login, ip: req.ip ?? 'unknown', reason: 'local_accounts_off' });
      return again(errorStatus('local_accounts_off'), errorMessage('local_accounts_off'));
    }
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
      // Read before the session goes: the provider's logout wants the ID token as a hint.
      const offer = await endSessionUrl(ctx, auth.session.idHash);
      await ctx.sessions.destroy(req, res);
      await ctx.audit.record('logout', { user: auth.user.id, login: auth.user.login, via: 'form' });
      if (offer) {
        res.set('Cache-Control', 'no-store').type('html').send(signedOutPage(offer));
        return;
      }
    }
    res.redirect(303, '/login?signed_out=1');
  });

  return router;
}
