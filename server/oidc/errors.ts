import { errorCatalogue, type ErrorCode } from '../contract/index.ts';

/** The catalogue's codes for refusing a sign-in through a provider (server/contract/errors.ts). */
export type SignInRefusalCode = Extract<ErrorCode, `oidc_${string}`>;

/**
 * Why a sign-in through a provider (or a refresh of its identity) was refused: a stable code with its
 * status and message from the catalogue; `detail` goes to the log and the audit trail only. Never a
 * 500: what the provider or the browser sent is bad input, or the provider is down.
 */
export class SignInRefused extends Error {
  readonly status: number;
  readonly publicMessage: string;
  /** The provider's subject, when the refusal came after the provider said who it was. */
  subject: string | undefined;

  constructor(
    readonly code: SignInRefusalCode,
    /** What exactly was wrong (never a token). */
    readonly detail: string,
    publicMessage?: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'SignInRefused';
    this.status = errorCatalogue[code].status;
    this.publicMessage = publicMessage ?? errorCatalogue[code].message;
  }
}
