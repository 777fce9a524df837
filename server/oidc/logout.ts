import * as oidc from 'openid-client';
import type { Context } from '../context.ts';

/**
 * RP-initiated logout: for a session signed in through a provider that has an end_session_endpoint,
 * the URL that signs the person out there too (with the ID token as hint), coming back to the
 * sign-in page. Undefined for password sessions and providers without one.
 */
export async function endSessionUrl(ctx: Context, sessionIdHash: string): Promise<{ providerName: string; endSessionUrl: string } | undefined> {
  if (ctx.config.providers.length === 0) return undefined;
  const state = await ctx.providerSessions.load(sessionIdHash);
  const entry = state && ctx.providers.get(state.providerId);
  if (!state || !entry?.configuration?.serverMetadata().end_session_endpoint) return undefined;
  const url = oidc.buildEndSessionUrl(entry.configuration, {
    post_logout_redirect_uri: `${ctx.config.publicUrl}/login?signed_out=1`,
    client_id: entry.provider.clientId,
    ...(state.idToken ? { id_token_hint: state.idToken } : {}),
  });
  return { providerName: entry.provider.name, endSessionUrl: url.href };
}
