import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Context } from '../context.ts';
import { apiPaths, requestHeader, type PublicConfig, type PublicUser, type SessionResponse, type TokenResponse } from '../contract/index.ts';
import { HttpError } from '../errors.ts';
import { grantToken } from '../grant.ts';
import { accessibleInstances } from '../policy.ts';
import type { User } from '../store/types.ts';
import { readJsonObject } from '../json-body.ts';

const publicUser = (user: User): PublicUser => ({ id: user.id, login: user.login, email: user.email, name: user.name });

/** The JSON API the extension talks to (docs/api.md). */
export function apiRoutes(ctx: Context): Router {
  const router = Router();
  const { config } = ctx;
  const loginUrl = `${config.publicUrl}${apiPaths.login}`;
  const ownOrigin = config.derived.origin;

  // Configuration does not change while the server runs: build the public view once. Endpoint paths
  // are not published: both sides take them from the contract (server/contract/paths.ts).
  const publicConfig: PublicConfig = {
    issuer: config.publicUrl,
    loginUrl,
    instances: config.instances.map((i) => ({ id: i.id, name: i.name, url: i.url, headerName: i.headerName, default: i.id === config.defaultInstance })),
  };
  router.get(apiPaths.config, (_req, res) => {
    res.set('Cache-Control', 'no-cache').json(publicConfig);
  });

  /**
   * A web page cannot send a custom header cross-origin without a CORS preflight, which this server
   * never grants: requiring the header keeps other sites from using a signed-in user's cookie here.
   * An Origin of another web site is refused outright too, and so is an extension the administrator
   * did not pin (extensionIds), when any are pinned.
   */
  const pinned = new Set(config.extensionIds);
  const extensionAllowed = (origin: string) => {
    const m = /^(?:chrome|moz|safari-web)-extension:\/\/([^/]+)$/.exec(origin);
    return !!m && (pinned.size === 0 || pinned.has(m[1]!));
  };
  const fromExtension = (req: Request, _res: Response, next: NextFunction) => {
    const origin = req.get('origin');
    if (origin && origin !== ownOrigin && !extensionAllowed(origin)) {
      throw new HttpError('origin_not_allowed', { detail: `origin ${origin}` });
    }
    if (req.get(requestHeader.name) !== requestHeader.value) throw new HttpError('missing_request_header');
    next();
  };

  const signedIn = async (req: Request): Promise<{ user: User }> => {
    const auth = await ctx.sessions.load(req);
    if (!auth) throw new HttpError('session_required', { extra: { loginUrl } });
    return auth;
  };

  router.get(apiPaths.session, fromExtension, async (req, res) => {
    const { user } = await signedIn(req);
    res.set('Cache-Control', 'no-store').json({
      user: publicUser(user),
      instances: accessibleInstances(config, user).map(({ instance, role }) => ({ id: instance.id, role })),
    } satisfies SessionResponse);
  });

  router.post(apiPaths.token, fromExtension, async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const instance = (await readJsonObject(req, 4096))?.instance;
    if (typeof instance !== 'string' || instance === '') throw new HttpError('invalid_request');
    const { user } = await signedIn(req);
    const minted = await grantToken(ctx, user, instance);
    res.json({
      token: minted.token,
      expiresAt: minted.exp,
      expiresIn: minted.exp - minted.iat,
      instance,
      user: { ...publicUser(user), role: minted.role },
    } satisfies TokenResponse);
  });

  router.post(apiPaths.logout, fromExtension, async (req, res) => {
    const session = await ctx.sessions.destroy(req, res);
    if (session) await ctx.audit.record('logout', { user: session.userId, via: 'api' });
    res.status(204).end();
  });

  return router;
}
