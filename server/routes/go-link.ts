import { Router, type Request, type Response } from 'express';
import type { Context } from '../context.ts';
import { goPathPrefix, parseGoLink, resolveInside } from '../contract/index.ts';
import { HttpError } from '../errors.ts';
import { grafanaUrlWithToken, grantToken } from '../grant.ts';
import { roleFor } from '../policy.ts';
import { messagePage } from '../views/pages.ts';

/**
 * Why a request to a link must not mint, or null when it may: a GET top-level document navigation
 * that is not a prefetch or prerender. Minting on a GET is what makes links from wikis work; these
 * keep other pages from making the browser mint for a request that is not the person opening the
 * link in a tab (docs/api.md "Links"). Headers a browser does not send (an old one, curl) are not
 * required: without the user's cookie such a request reaches only the sign-in page.
 */
export function notANavigation(req: Request): string | null {
  if (req.method !== 'GET') return `method ${req.method}`;
  // Chromium: Sec-Purpose "prefetch" / "prefetch;prerender" (and Purpose: prefetch before it);
  // Firefox: X-Moz: prefetch; Safari: Purpose: prefetch or X-Purpose: preview.
  for (const name of ['sec-purpose', 'purpose', 'x-purpose', 'x-moz']) {
    const value = req.get(name);
    if (value !== undefined && /prefetch|prerender|preview/i.test(value)) return `${name}: ${value}`;
  }
  const mode = req.get('sec-fetch-mode');
  if (mode !== undefined && mode !== 'navigate') return `sec-fetch-mode: ${mode}`;
  const dest = req.get('sec-fetch-dest');
  if (dest !== undefined && dest !== 'document') return `sec-fetch-dest: ${dest}`;
  return null;
}

const TITLES: Partial<Record<HttpError['code'], string>> = {
  navigation_required: 'Open this link in a tab',
  unknown_instance: 'No such Grafana',
  invalid_path: 'This link leads outside Grafana',
  access_denied: 'No access to this Grafana',
  url_login_off: 'This Grafana does not take sign-in links',
};

/**
 * GET /go/<instance>/<path>: a link anyone can follow (docs/api.md "Links"). Signed in with a role
 * there, it mints for the session's user exactly as POST /open does and sends the browser to the
 * Grafana page with ?auth_token=; signed out, through the sign-in and back. Refusals are pages.
 */
export function goLinkRoutes(ctx: Context): Router {
  const router = Router();

  const refuse = (res: Response, error: HttpError, next: { href: string; text: string }) => {
    res.status(error.status).type('html').send(messagePage(TITLES[error.code] ?? `Error ${error.status}`, error.message, next, error.code));
  };
  const home = { href: '/', text: 'See the Grafana instances you can open' };

  router.get(/^\/go\//, async (req, res) => {
    // Nothing here may be cached or tell Grafana (or anyone) where the browser came from.
    res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
    const why = notANavigation(req);
    if (why) return refuse(res, new HttpError('navigation_required', { detail: why }), home);
    const link = parseGoLink(req.originalUrl);
    const instance = link && ctx.instance(link.instanceId);
    if (!link || !instance) {
      const id = link?.instanceId ?? (req.path.slice(goPathPrefix.length).split('/')[0] ?? '').slice(0, 64);
      return refuse(res, new HttpError('unknown_instance', { instance: id }), home);
    }
    // Checked before anything else happens: a path out of the instance is never signed in for.
    const target = resolveInside(instance.url, link.path);
    if (!target) {
      return refuse(res, new HttpError('invalid_path'), { href: `${goPathPrefix}${instance.id}/`, text: `Open ${instance.name}'s home page instead` });
    }
    // No URL login: a token in the URL would be ignored, so say so before asking anyone to sign in.
    if (!instance.urlLogin) {
      return refuse(res, new HttpError('url_login_off', { instanceName: instance.name }), { href: target.href, text: `Open ${instance.name} without signing in` });
    }
    const auth = await ctx.sessions.load(req);
    if (!auth) {
      // Back to this same link (auth_token already dropped) after either kind of sign-in.
      return res.redirect(303, `/login?return_to=${encodeURIComponent(`${goPathPrefix}${instance.id}${link.path}`)}`);
    }
    if (!roleFor(auth.user, instance)) {
      return refuse(res, new HttpError('access_denied', { disabled: auth.user.disabled, instanceName: instance.name }), home);
    }
    const minted = await grantToken(ctx, auth.user, instance.id, 'link');
    res.redirect(303, grafanaUrlWithToken(target, minted.token));
  });

  return router;
}
