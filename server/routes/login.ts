import express, { Router, type Request, type Response } from 'express';
import type { Context } from '../context.ts';
import { checkFormOrigin, sameToken } from '../csrf.ts';
import { errorMessage, errorStatus, returnPathOf } from '../contract/index.ts';
import { endSessionUrl } from '../oidc/logout.ts';
import { loginPage, signedOutPage, type LoginPageOptions } from '../views/pages.ts';

const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 });

/** Sign-in and sign-out pages: plain HTML forms, CSRF-protected, throttled. */
export function loginRoutes(ctx: Context): Router {
  const router = Router();
  const returnToOf = (v: unknown) => returnPathOf(ctx.config.derived.origin, v);
  const field = (req: Request, name: string): string => {
    const v = (req.body as Record<string, unknown> | undefined)?.[name];
    return typeof v === 'string' ? v : '';
  };

  const providers = ctx.config.providers.map((p) => ({ id: p.id, name: p.name }));
  const page = (req: Request, res: Response, o: Omit<LoginPageOptions, 'csrf'>) =>
    loginPage({ ...o, csrf: ctx.loginCsrf.token(req, res), providers, passwordForm: ctx.config.localAccounts });

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
      // No login recorded: what was typed into the box may be a password.
      await ctx.audit.record('sign_in_failed', { ip: req.ip ?? 'unknown', reason: 'local_accounts_off' });
      return again(errorStatus('local_accounts_off'), errorMessage('local_accounts_off'));
    }
    if (!ctx.loginCsrf.check(req, field(req, 'csrf'))) {
      return again(403, 'The sign-in form expired. Please try again.');
    }
    if (!login || !password || login.length > 200 || password.length > 1024) {
      return again(400, 'Enter your login and password.');
    }
    const ip = req.ip ?? 'unknown';
    const outcome = await ctx.passwordSignIn.attempt(login, password, ip, (userId) => ctx.devices.deviceOf(req, userId));
    if (!outcome.ok) {
      if (outcome.retryAfterSeconds) res.set('Retry-After', String(outcome.retryAfterSeconds));
      return again(outcome.status, outcome.message);
    }
    const { user } = outcome;

    // A new session id at every sign-in: a session cookie planted before sign-in is worthless.
    await ctx.sessions.end(req);
    await ctx.sessions.create(res, user.id);
    ctx.devices.remember(res, user.id, outcome.device);
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
