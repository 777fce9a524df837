import { Router, type Request, type Response } from 'express';
import type { Context } from '../context.ts';
import { returnPathOf } from '../contract/index.ts';
import { accountFor } from '../oidc/accounts.ts';
import { SignInRefused } from '../oidc/errors.ts';
import { hasAnyFlow, setFlowCookie, takeFlow } from '../oidc/flow-cookie.ts';
import { redirectUriOf, finishSignIn, startSignIn } from '../oidc/sign-in.ts';
import { messagePage } from '../views/pages.ts';

/**
 * Sign-in through an OpenID Connect provider: /oidc/<id>/login sends the browser to the provider,
 * /oidc/<id>/callback takes its answer. Every refusal is a page that says what went wrong, an audit
 * event with the reason, and no session.
 */
export function oidcRoutes(ctx: Context): Router {
  const router = Router();
  const secure = ctx.config.derived.https;

  const refuse = async (req: Request, res: Response, providerId: string, refusal: SignInRefused, extra: Record<string, unknown> = {}) => {
    const provider = ctx.providers.get(providerId)?.provider;
    ctx.log(`sign-in through "${providerId}" refused: ${refusal.code}: ${refusal.detail}`);
    await ctx.audit.record('oidc_sign_in_refused', {
      provider: providerId,
      ...(provider ? { issuer: provider.issuer } : {}),
      reason: refusal.code,
      detail: refusal.detail,
      ip: req.ip ?? 'unknown',
      ...extra,
    });
    if (refusal.code === 'oidc_provider_unavailable') res.set('Retry-After', '60');
    res
      .status(refusal.status)
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(messagePage('Sign-in failed', refusal.publicMessage, { href: '/login?signed_out=1', text: 'Back to the sign-in page' }, refusal.code));
  };

  router.get('/oidc/:provider/login', async (req, res) => {
    const id = String(req.params.provider);
    // The same normalised, same-server rule as the password sign-in's return_to.
    const returnTo = returnPathOf(ctx.config.derived.origin, req.query.return_to);
    try {
      const entry = ctx.providers.get(id);
      if (!entry) throw new SignInRefused('oidc_unknown_provider', `no provider "${id}"`);
      const configuration = await ctx.providers.configuration(id);
      const { url, flow } = await startSignIn(configuration, entry.provider, {
        redirectUri: redirectUriOf(ctx.config.publicUrl, entry.provider),
        returnTo,
        now: ctx.clock.now(),
      });
      setFlowCookie(res, flow, secure);
      res.set('Cache-Control', 'no-store').redirect(303, url.href);
    } catch (error) {
      if (!(error instanceof SignInRefused)) throw error;
      await refuse(req, res, id, error);
    }
  });

  router.get('/oidc/:provider/callback', async (req, res) => {
    const id = String(req.params.provider);
    const state = typeof req.query.state === 'string' ? req.query.state : '';
    let subject: string | undefined;
    try {
      const entry = ctx.providers.get(id);
      if (!entry) throw new SignInRefused('oidc_unknown_provider', `no provider "${id}"`);
      const hadFlow = hasAnyFlow(req, secure);
      const flow = state ? takeFlow(req, res, state, secure, ctx.clock.now()) : undefined;
      if (!state) throw new SignInRefused('oidc_state_missing', 'the answer carries no state');
      if (!flow) {
        throw hadFlow
          ? new SignInRefused('oidc_state_mismatch', 'the state matches no sign-in this browser started')
          : new SignInRefused('oidc_state_missing', 'this browser has no sign-in in progress (no flow cookie, or it expired)');
      }
      if (flow.provider !== id) throw new SignInRefused('oidc_state_mismatch', `the sign-in was started with provider "${flow.provider}"`);
      const configuration = await ctx.providers.configuration(id);
      const currentUrl = new URL(req.originalUrl, `${ctx.config.publicUrl}/`);
      const { identity, tokens } = await finishSignIn(configuration, entry.provider, currentUrl, flow, ctx.clock.now());
      subject = identity.subject;

      const now = ctx.clock.now();
      const { user, created } = await accountFor(ctx.store, id, identity, now);
      if (user.disabled) throw new SignInRefused('oidc_account_disabled', `account ${user.login} is disabled here`);

      // The session lasts no longer than the provider allows: auth_time + max age, and without a
      // refresh token no longer than its ID token (after that nothing can confirm the identity).
      const bounds = [
        entry.provider.maxAuthAgeMinutes && tokens.authTime ? tokens.authTime + entry.provider.maxAuthAgeMinutes * 60_000 : Infinity,
        tokens.refreshToken ? Infinity : (tokens.idTokenExpiresAt ?? Infinity),
      ];
      await ctx.sessions.end(req);
      const session = await ctx.sessions.create(res, user.id, Math.min(...bounds));
      await ctx.providerSessions.save({ sessionIdHash: session.idHash, provider: entry.provider, subject: identity.subject, tokens, refreshedAt: now });
      await ctx.audit.record('oidc_sign_in', {
        user: user.id,
        login: user.login,
        provider: id,
        issuer: identity.issuer,
        sub: identity.subject,
        created,
        ip: req.ip ?? 'unknown',
      });
      res.set('Cache-Control', 'no-store').redirect(303, flow.returnTo);
    } catch (error) {
      if (!(error instanceof SignInRefused)) throw error;
      const sub = subject ?? error.subject;
      await refuse(req, res, id, error, sub ? { sub } : {});
    }
  });

  return router;
}
