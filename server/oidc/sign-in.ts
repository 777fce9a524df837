import * as oidc from 'openid-client';
import { identityFrom, hasMappedClaims, type ProviderIdentity } from './claims.ts';
import { SignInRefused } from './errors.ts';
import { refusalFrom } from './failures.ts';
import type { Flow } from './flow-cookie.ts';
import type { ProviderConfig } from './provider-config.ts';

export const redirectUriOf = (publicUrl: string, provider: ProviderConfig) => `${publicUrl}/oidc/${provider.id}/callback`;

/** The authorization request: code flow with S256 PKCE, a fresh state and nonce for this browser. */
export async function startSignIn(
  configuration: oidc.Configuration,
  provider: ProviderConfig,
  o: { redirectUri: string; returnTo: string; now: number },
): Promise<{ url: URL; flow: Flow }> {
  const flow: Flow = {
    provider: provider.id,
    state: oidc.randomState(),
    nonce: oidc.randomNonce(),
    verifier: oidc.randomPKCECodeVerifier(),
    returnTo: o.returnTo,
    startedAt: o.now,
  };
  const url = oidc.buildAuthorizationUrl(configuration, {
    redirect_uri: o.redirectUri,
    scope: provider.scopes.join(' '),
    response_type: 'code',
    code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
    code_challenge_method: 'S256',
    state: flow.state,
    nonce: flow.nonce,
    ...(provider.maxAuthAgeMinutes ? { max_age: String(provider.maxAuthAgeMinutes * 60) } : {}),
  });
  return { url, flow };
}

/** What a sign-in or refresh got from the provider, to keep with the session. */
export interface ProviderTokens {
  accessToken: string | null;
  accessTokenExpiresAt: number | null;
  refreshToken: string | null;
  idToken: string | null;
  /** ID token exp and auth_time, in ms. */
  idTokenExpiresAt: number | null;
  authTime: number | null;
}

export interface SignInResult {
  identity: ProviderIdentity;
  tokens: ProviderTokens;
}

/**
 * The provider's answer at the callback: the code exchanged (with the PKCE verifier), the ID token
 * validated by openid-client (signature from the provider's JWKS, issuer, audience, exp/iat with a
 * small tolerance, nonce, auth_time against max_age), userinfo read when the ID token lacks a mapped
 * claim, and the claims mapped to an identity under the provider's email rules.
 */
export async function finishSignIn(configuration: oidc.Configuration, provider: ProviderConfig, currentUrl: URL, flow: Flow, nowMs: number): Promise<SignInResult> {
  let response: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
  try {
    response = await oidc.authorizationCodeGrant(configuration, currentUrl, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
      idTokenExpected: true,
      ...(provider.maxAuthAgeMinutes ? { maxAge: provider.maxAuthAgeMinutes * 60 } : {}),
    });
  } catch (error) {
    throw refusalFrom(error, 'code exchange');
  }
  return resultOf(configuration, provider, response, undefined, nowMs);
}

/** The identity as the provider sees it now, from its refresh token (or, lacking one, the access token). */
export async function refreshIdentity(
  configuration: oidc.Configuration,
  provider: ProviderConfig,
  current: { subject: string; refreshToken: string | null; accessToken: string | null; accessTokenExpiresAt: number | null },
  nowMs: number,
): Promise<SignInResult> {
  if (current.refreshToken) {
    let response: Awaited<ReturnType<typeof oidc.refreshTokenGrant>>;
    try {
      response = await oidc.refreshTokenGrant(configuration, current.refreshToken);
    } catch (error) {
      const refusal = refusalFrom(error, 'refresh');
      // invalid_grant here: the refresh token was revoked or its account disabled or removed.
      throw refusal.code === 'oidc_code_rejected' ? new SignInRefused('oidc_refresh_refused', refusal.detail) : refusal;
    }
    return resultOf(configuration, provider, response, current, nowMs);
  }
  if (current.accessToken && current.accessTokenExpiresAt !== null && current.accessTokenExpiresAt > nowMs) {
    const claims = await userinfo(configuration, current.accessToken, current.subject);
    return {
      identity: identityFrom(provider, { ...claims, sub: current.subject }),
      tokens: { accessToken: current.accessToken, accessTokenExpiresAt: current.accessTokenExpiresAt, refreshToken: null, idToken: null, idTokenExpiresAt: null, authTime: null },
    };
  }
  throw new SignInRefused('oidc_refresh_refused', 'no refresh token and the access token has expired: the provider can no longer be asked');
}

async function resultOf(
  configuration: oidc.Configuration,
  provider: ProviderConfig,
  response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
  previous: { subject: string; refreshToken: string | null } | undefined,
  nowMs: number,
): Promise<SignInResult> {
  const idClaims = (response.claims() ?? {}) as Record<string, unknown>;
  const subject = typeof idClaims.sub === 'string' ? idClaims.sub : previous?.subject;
  if (!subject) throw new SignInRefused('oidc_id_token_invalid', 'the token response carries no ID token');
  if (previous && idClaims.sub !== undefined && idClaims.sub !== previous.subject) {
    throw new SignInRefused('oidc_id_token_invalid', `refresh returned an ID token for another subject (${String(idClaims.sub)})`);
  }
  let claims: Record<string, unknown> = { ...idClaims, sub: subject };
  if (!hasMappedClaims(claims, provider.claims) && configuration.serverMetadata().userinfo_endpoint) {
    claims = { ...claims, ...(await userinfo(configuration, response.access_token, subject)), sub: subject };
  }
  const expiresIn = response.expiresIn();
  let identity: ProviderIdentity;
  try {
    identity = identityFrom(provider, claims);
  } catch (e) {
    if (e instanceof SignInRefused) e.subject = subject;
    throw e;
  }
  return {
    identity,
    tokens: {
      accessToken: response.access_token,
      accessTokenExpiresAt: expiresIn === undefined ? null : nowMs + expiresIn * 1000,
      refreshToken: response.refresh_token ?? previous?.refreshToken ?? null,
      idToken: response.id_token ?? null,
      idTokenExpiresAt: typeof idClaims.exp === 'number' ? idClaims.exp * 1000 : null,
      authTime: typeof idClaims.auth_time === 'number' ? idClaims.auth_time * 1000 : null,
    },
  };
}

async function userinfo(configuration: oidc.Configuration, accessToken: string, subject: string): Promise<Record<string, unknown>> {
  try {
    return (await oidc.fetchUserInfo(configuration, accessToken, subject)) as Record<string, unknown>;
  } catch (error) {
    const refusal = refusalFrom(error, 'userinfo');
    // The provider refusing the access token (401) means the identity is no longer confirmed.
    if (error instanceof oidc.WWWAuthenticateChallengeError || (error as { status?: number }).status === 401) {
      throw new SignInRefused('oidc_refresh_refused', refusal.detail);
    }
    throw refusal;
  }
}
