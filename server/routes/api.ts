import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Context } from '../context.ts';
import { HttpError, badRequest } from '../errors.ts';
import { grantToken } from '../grant.ts';
import { accessibleInstances } from '../policy.ts';
import type { User } from '../store/types.ts';
import { readJsonObject } from '../json-body.ts';

export const TOKEN_REQUEST_HEADER = 'X-Grafana-SSO';

/** The JSON API the extension talks to (docs/api.md). */
export function apiRoutes(ctx: Context): Router {
  const router = Router();
  const { config } = ctx;
  const loginUrl = `${config.publicUrl}/login`;
  const ownOrigin = new URL(config.publicUrl).origin;

  // Configuration does not change while the server runs: build the public view once.
  const publicConfig = {
    issuer: config.publicUrl,
    loginUrl,
    logoutUrl: `${config.publicUrl}/api/logout`,
    tokenEndpoint: `${config.publicUrl}/api/token`,
    sessionEndpoint: `${config.publicUrl}/api/session`,
    jwksUrl: config.derived.jwksUrl,
    tokenHeader: TOKEN_REQUEST_HEADER,
    instances: config.instances.map((i) => ({ id: i.id, name: i.name, url: i.url, headerName: i.headerName, default: i.id === config.defaultInstance })),
  };
  router.get('/api/config', (_req, res) => {
    res.set('Cache-Control', 'no-cache').json(publicConfig);
  });

  /**
   * A web page cannot send a custom header cross-origin without a CORS preflight, which this server
   * never grants: requiring the header keeps other sites from using a signed-in user's cookie here.
   * An Origin of another web site is refused outright too.
   */
  const fromExtension = (req: Request, _res: Response, next: NextFunction) => {
    const origin = req.get('origin');
    if (origin && origin !== ownOrigin && !/^(chrome|moz|safari-web)-extension:\/\//.test(origin)) {
      throw new HttpError(403, 'origin_not_allowed', 'Requests from other web sites are not allowed', `origin ${origin}`);
    }
    if (req.get(TOKEN_REQUEST_HEADER) !== '1') {
      throw new HttpError(403, 'missing_request_header', `The ${TOKEN_REQUEST_HEADER}: 1 request header is required`);
    }
    next();
  };

  const signedIn = async (req: Request): Promise<{ user: User }> => {
    const auth = await ctx.sessions.load(req);
    if (!auth) throw new HttpError(401, 'session_required', 'Sign in first', undefined, { loginUrl });
    return auth;
  };

  router.get('/api/session', fromExtension, async (req, res) => {
    const { user } = await signedIn(req);
    res.set('Cache-Control', 'no-store').json({
      user: { id: user.id, login: user.login, email: user.email, name: user.name },
      instances: accessibleInstances(config, user).map(({ instance, role }) => ({ id: instance.id, role })),
    });
  });

  router.post('/api/token', fromExtension, async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const instance = (await readJsonObject(req, 4096))?.instance;
    if (typeof instance !== 'string' || instance === '') {
      throw badRequest('invalid_request', 'Send a JSON body like {"instance": "<id>"} with Content-Type: application/json');
    }
    const { user } = await signedIn(req);
    const minted = await grantToken(ctx, user, instance);
    res.json({
      token: minted.token,
      expiresAt: minted.exp,
      expiresIn: minted.exp - minted.iat,
      instance,
      user: { id: user.id, login: user.login, email: user.email, name: user.name, role: minted.role },
    });
  });

  router.post('/api/logout', fromExtension, async (req, res) => {
    const session = await ctx.sessions.destroy(req, res);
    if (session) await ctx.audit.record('logout', { user: session.userId, via: 'api' });
    res.status(204).end();
  });

  return router;
}
