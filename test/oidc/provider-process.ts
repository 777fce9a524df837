// A real OpenID Provider (panva's oidc-provider) for the tests, in its own process: its in-memory
// adapter belongs to one process, so every test file starts its own. The parent (provider.ts) talks
// to it over the IPC channel: start, change an account (groups, disabled, email), tamper with the
// next ID token the token endpoint answers, slow down an endpoint.
import express from 'express';
import { CompactSign, SignJWT, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import type { ControlRequest, ProviderAccount, ProviderStart, Tamper } from './provider-types.ts';

const accounts = new Map<string, ProviderAccount>();
let tamper: Tamper | null = null;
const delays = new Map<string, number>();
/** Requests per endpoint path, so tests can tell what the relying party called. */
const calls = new Map<string, number>();

async function start(o: ProviderStart): Promise<{ issuer: string }> {
  for (const a of o.accounts) accounts.set(a.sub, a);
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const signingJwk = { ...(await exportJWK(privateKey)), kid: 'op-key-1', alg: 'ES256', use: 'sig' };

  const app = express();
  const http = app.listen(o.port ?? 0, '127.0.0.1');
  await new Promise<void>((resolve) => http.once('listening', () => resolve()));
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

  const provider = new Provider(issuer, {
    clients: o.clients,
    jwks: { keys: [signingJwk] },
    pkce: { required: () => true, methods: ['S256'] },
    scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'], groups: ['groups'] },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true },
    },
    cookies: { keys: ['test-provider-cookie-key'] },
    // Like Keycloak: a client allowed the refresh_token grant gets a refresh token without offline_access.
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }) => client.grantTypeAllowed('refresh_token'),
    ttl: { AccessToken: 600, IdToken: 600, AuthorizationCode: 60, RefreshToken: 86_400, Session: 86_400, Grant: 86_400, Interaction: 600 },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    // A disabled account is "not found": its refresh tokens and access tokens stop working.
    findAccount: (_ctx: unknown, sub: string) => {
      const account = accounts.get(sub);
      if (!account || account.disabled) return undefined;
      return {
        accountId: sub,
        claims: () => {
          const a = accounts.get(sub)!;
          return { sub, email: a.email, email_verified: a.emailVerified ?? true, name: a.name, preferred_username: a.login, groups: a.groups };
        },
      };
    },
  });

  provider.use(async (ctx: { path: string; method: string; body: unknown }, next: () => Promise<void>) => {
    calls.set(ctx.path, (calls.get(ctx.path) ?? 0) + 1);
    const delay = delays.get(ctx.path);
    if (delay) await new Promise((r) => setTimeout(r, delay));
    await next();
    if (ctx.path === '/token' && ctx.method === 'POST' && tamper) {
      const body = ctx.body as { id_token?: string } | undefined;
      if (body?.id_token) {
        body.id_token = await tampered(body.id_token, tamper, signingJwk);
        tamper = null;
      }
    }
  });

  // The provider's sign-in page: a plain form, as a person would fill it in.
  const page = (uid: string, error = '') => `<!doctype html><title>Provider sign-in</title><h1>Test provider</h1>
<p id="error">${error}</p>
<form method="post" action="/interaction/${uid}/login">
<label>Username <input id="username" name="username"></label>
<label>Password <input id="password" name="password" type="password"></label>
<button type="submit">Sign in at the provider</button></form>`;

  app.get('/interaction/:uid', async (req, res, next) => {
    try {
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name === 'login') return res.type('html').send(page(details.uid));
      // Consent: granted on the person's behalf (a test provider has no one to ask).
      return await provider.interactionFinished(req, res, { consent: { grantId: await grantFor(provider, details, details.session.accountId) } }, { mergeWithLastSubmission: true });
    } catch (e) {
      next(e);
    }
  });
  app.post('/interaction/:uid/login', express.urlencoded({ extended: false }), async (req, res, next) => {
    try {
      const details = await provider.interactionDetails(req, res);
      const { username, password } = req.body as { username?: string; password?: string };
      const account = [...accounts.values()].find((a) => a.login === username && a.password === password && !a.disabled);
      if (!account) return res.status(401).type('html').send(page(details.uid, 'Wrong username or password'));
      const grantId = await grantFor(provider, details, account.sub);
      return await provider.interactionFinished(req, res, { login: { accountId: account.sub }, consent: { grantId } }, { mergeWithLastSubmission: false });
    } catch (e) {
      next(e);
    }
  });
  app.use(provider.callback());
  return { issuer };
}

interface Details {
  params: Record<string, unknown>;
  grantId?: string;
  session?: { accountId: string };
}

async function grantFor(provider: Provider, details: Details, accountId: string | undefined): Promise<string> {
  const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope(String(details.params.scope ?? 'openid'));
  return grant.save();
}

/** The ID token as a broken or hostile provider would send it. */
async function tampered(idToken: string, mode: Tamper, jwk: JWK): Promise<string> {
  const claims = decodeJwt(idToken);
  const header = decodeProtectedHeader(idToken);
  const now = Math.floor(Date.now() / 1000);
  const sign = async (payload: Record<string, unknown>, key: JWK = jwk) =>
    new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: header.kid! }).sign(await importJWK(key, 'ES256'));
  switch (mode) {
    case 'wrong-nonce':
      return sign({ ...claims, nonce: 'not-the-nonce-you-sent' });
    case 'expired':
      return sign({ ...claims, iat: now - 7200, exp: now - 3600 });
    case 'wrong-audience':
      return sign({ ...claims, aud: 'some-other-client' });
    case 'other-key': {
      // Same kid, another key: what a forger without the provider's key can produce.
      const { privateKey } = await generateKeyPair('ES256', { extractable: true });
      return sign(claims, await exportJWK(privateKey));
    }
    case 'alg-none': {
      const enc = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
      return `${enc({ alg: 'none', typ: 'JWT' })}.${enc(claims)}.`;
    }
    case 'unsigned-hs256': {
      // Signed with HS256 using the public key's x as a "secret": the classic algorithm confusion.
      const secret = new TextEncoder().encode(String(jwk.x));
      return new CompactSign(new TextEncoder().encode(JSON.stringify(claims))).setProtectedHeader({ alg: 'HS256', kid: header.kid! }).sign(secret);
    }
  }
}

async function handle(request: ControlRequest): Promise<unknown> {
  switch (request.op) {
    case 'start':
      return start(request.options);
    case 'account': {
      const current = accounts.get(request.sub);
      if (!current) throw new Error(`no account ${request.sub}`);
      accounts.set(request.sub, { ...current, ...request.patch });
      return null;
    }
    case 'tamper':
      tamper = request.mode;
      return null;
    case 'delay':
      if (request.ms > 0) delays.set(request.path, request.ms);
      else delays.delete(request.path);
      return null;
    case 'calls':
      return Object.fromEntries(calls);
  }
}

process.on('message', (message: { id: number; request: ControlRequest }) => {
  handle(message.request).then(
    (result) => process.send!({ id: message.id, result }),
    (error: unknown) => process.send!({ id: message.id, error: (error as Error).message }),
  );
});
process.on('disconnect', () => process.exit(0));
