import * as oidc from 'openid-client';
import { SignInRefused } from './errors.ts';

/** Whether a failure means "the provider could not be reached or answered nothing useful in time". */
export function isUnreachable(error: unknown): boolean {
  if (error instanceof SignInRefused) return error.code === 'oidc_provider_unavailable';
  const e = error as { name?: string; code?: string; cause?: unknown; status?: number } | undefined;
  if (!e) return false;
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return true;
  // fetch() failing (connection refused, reset, DNS) is a TypeError with the socket error as cause.
  if (e.name === 'TypeError' && /fetch failed/i.test(String((error as Error).message))) return true;
  if (error instanceof oidc.ResponseBodyError && error.status >= 500) return true;
  if (e.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' && typeof e.cause === 'object' && ((e.cause as { status?: number }).status ?? 0) >= 500) return true;
  return e.cause !== undefined && e.cause !== error && isUnreachable(e.cause);
}

/**
 * What openid-client's error means for the person signing in. Its codes (oauth4webapi): JWT claim
 * and timestamp checks, signature and algorithm checks, the provider's own error answers.
 */
export function refusalFrom(error: unknown, step: string): SignInRefused {
  if (error instanceof SignInRefused) return error;
  const message = (error as Error)?.message ?? String(error);
  if (isUnreachable(error)) return new SignInRefused('oidc_provider_unavailable', `${step}: ${message}`);
  if (error instanceof oidc.AuthorizationResponseError) {
    const description = error.error_description ? `: ${error.error_description}` : '';
    return new SignInRefused('oidc_provider_error', `${step}: ${error.error}${description}`, `The identity provider did not sign you in (${error.error}${description}).`);
  }
  if (error instanceof oidc.ResponseBodyError) {
    if (error.error === 'invalid_grant') return new SignInRefused('oidc_code_rejected', `${step}: invalid_grant ${error.error_description ?? ''}`.trim());
    return new SignInRefused('oidc_provider_error', `${step}: ${error.error} ${error.error_description ?? ''}`.trim());
  }
  return new SignInRefused('oidc_id_token_invalid', `${step}: ${describe(error)}`);
}

/** openid-client's message is generic ("invalid response encountered"); the cause says what was wrong. */
function describe(error: unknown): string {
  const parts: string[] = [];
  for (let e = error as { code?: string; message?: string; cause?: unknown } | undefined, depth = 0; e && depth < 3; e = e.cause as typeof e, depth++) {
    if (typeof e !== 'object') break;
    const claim = (e as { claim?: unknown }).claim;
    const text = [e.code, e.message, typeof claim === 'string' ? `(claim "${claim}")` : ''].filter(Boolean).join(' ');
    if (text) parts.push(text);
  }
  return parts.join(': ') || String(error);
}
