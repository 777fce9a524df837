/**
 * Why a sign-in through a provider (or a refresh of its identity) was refused. Each reason has a
 * stable code, an HTTP status and a message for the person; `detail` goes to the log and the audit
 * trail only. Never a 500: what the provider or the browser sent is bad input, or the provider is down.
 */
export const SIGN_IN_REFUSALS = {
  oidc_unknown_provider: [404, 'There is no such identity provider here.'],
  oidc_provider_unavailable: [503, 'The identity provider cannot be reached right now. Try again in a minute.'],
  oidc_state_missing: [400, 'This sign-in was not started in this browser, or it took too long. Start again from the sign-in page.'],
  oidc_state_mismatch: [400, 'This sign-in answer does not belong to the sign-in this browser started. Start again from the sign-in page.'],
  oidc_provider_error: [401, 'The identity provider did not sign you in.'],
  oidc_code_rejected: [400, 'The identity provider refused this sign-in answer (it may have been used already). Start again from the sign-in page.'],
  oidc_id_token_invalid: [400, 'The identity provider\'s answer could not be verified, so it was not trusted.'],
  oidc_claims_missing: [403, 'The identity provider did not say who you are (login or email missing). Ask an administrator to check the provider\'s claims.'],
  oidc_email_unverified: [403, 'Your email address is not verified at the identity provider.'],
  oidc_email_domain: [403, 'Your email address is not in a domain allowed to sign in here.'],
  oidc_account_conflict: [409, 'An account with your login or email already exists here and is not linked to this identity provider. Ask an administrator to link it.'],
  oidc_account_disabled: [403, 'Your account is disabled here.'],
  oidc_refresh_refused: [401, 'The identity provider no longer confirms your sign-in.'],
} as const satisfies Record<string, readonly [number, string]>;

export type SignInRefusalCode = keyof typeof SIGN_IN_REFUSALS;

export class SignInRefused extends Error {
  readonly status: number;
  readonly publicMessage: string;
  /** The provider's subject, when the refusal came after the provider said who it was. */
  subject: string | undefined;

  constructor(
    readonly code: SignInRefusalCode,
    /** For the log and the audit trail: what exactly was wrong (never a token). */
    readonly detail: string,
    publicMessage?: string,
  ) {
    const [status, message] = SIGN_IN_REFUSALS[code];
    super(`${code}: ${detail}`);
    this.name = 'SignInRefused';
    this.status = status;
    this.publicMessage = publicMessage ?? message;
  }
}
