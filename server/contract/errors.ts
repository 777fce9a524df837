// Every error code a client of the token server may see, with its HTTP status and public message:
// the server builds each HttpError from here, the extension types its error codes from here, and
// docs/api.md documents exactly these codes (a test checks it). A new code is added here first.
import { requestHeader } from './request-header.ts';

interface CatalogueEntry {
  status: number;
  /** Public text for the client; a function when the text names the request's own input. */
  message: string | ((params: never) => string);
}

export const errorCatalogue = {
  bad_request: { status: 400, message: 'The request is malformed' },
  request_aborted: { status: 400, message: 'The request was aborted' },
  invalid_json: { status: 400, message: 'The request body is not valid JSON' },
  invalid_request: { status: 400, message: 'Send a JSON body like {"instance": "<id>"} with Content-Type: application/json' },
  invalid_path: { status: 400, message: 'path must be a path inside Grafana, starting with "/"' },
  session_required: { status: 401, message: 'Sign in first' },
  access_denied: {
    status: 403,
    message: (p: { disabled: boolean; instanceName: string }) => (p.disabled ? 'Your account is disabled' : `You have no access to ${p.instanceName}`),
  },
  origin_not_allowed: { status: 403, message: 'Requests from other web sites are not allowed' },
  missing_request_header: { status: 403, message: `The ${requestHeader.name}: ${requestHeader.value} request header is required` },
  csrf_failed: { status: 403, message: 'The page expired. Go back, reload and try again.' },
  admin_required: { status: 403, message: 'Only administrators can see Grafana settings' },
  // GET /go/<instance>/<path> links (server/routes/go-link.ts): answered as pages, browsers navigate there.
  navigation_required: {
    status: 403,
    message: 'This link signs you in to Grafana only when you open it in a browser tab: click it, or paste it into the address bar.',
  },
  url_login_off: {
    status: 409,
    message: (p: { instanceName: string }) =>
      `${p.instanceName} does not accept sign-in links (its Grafana has url_login off). Install the Grafana SSO browser extension, which opens this link signed in by itself, or open ${p.instanceName} and sign in there.`,
  },
  not_found: { status: 404, message: (p: { method: string; path: string }) => `Nothing at ${p.method} ${p.path}` },
  unknown_instance: { status: 404, message: (p: { instance: string }) => `No Grafana instance "${p.instance}" is configured` },
  method_not_allowed: { status: 405, message: 'Cross-origin requests are not allowed' },
  payload_too_large: { status: 413, message: 'The request body is too large' },
  too_many_parameters: { status: 413, message: 'Too many form fields' },
  unsupported_encoding: { status: 415, message: 'Unsupported content encoding: send the body uncompressed' },
  unsupported_charset: { status: 415, message: 'Unsupported charset' },
  internal_error: { status: 500, message: 'Something went wrong on the server' },
  store_unavailable: { status: 503, message: 'The server cannot reach its database right now; try again shortly' },
  // Sign-in through an OpenID Connect provider (pages under /oidc/<provider>/…); server/oidc/errors.ts.
  oidc_unknown_provider: { status: 404, message: 'There is no such identity provider here.' },
  oidc_provider_unavailable: { status: 503, message: 'The identity provider cannot be reached right now. Try again in a minute.' },
  oidc_state_missing: { status: 400, message: 'This sign-in was not started in this browser, or it took too long. Start again from the sign-in page.' },
  oidc_state_mismatch: { status: 400, message: 'This sign-in answer does not belong to the sign-in this browser started. Start again from the sign-in page.' },
  oidc_provider_error: { status: 401, message: 'The identity provider did not sign you in.' },
  oidc_code_rejected: { status: 400, message: 'The identity provider refused this sign-in answer (it may have been used already). Start again from the sign-in page.' },
  oidc_id_token_invalid: { status: 400, message: "The identity provider's answer could not be verified, so it was not trusted." },
  oidc_claims_missing: { status: 403, message: "The identity provider did not say who you are (email missing). Ask an administrator to check the provider's claims." },
  oidc_email_unverified: { status: 403, message: 'Your email address is not verified at the identity provider.' },
  oidc_email_domain: { status: 403, message: 'Your email address is not in a domain allowed to sign in here.' },
  oidc_account_conflict: {
    status: 409,
    message: 'An account with your login or email already exists here and is not linked to this identity provider. Ask an administrator to link it.',
  },
  oidc_account_disabled: { status: 403, message: 'Your account is disabled here.' },
  oidc_refresh_refused: { status: 401, message: 'The identity provider no longer confirms your sign-in.' },
  local_accounts_off: { status: 403, message: "Password sign-in is switched off here. Sign in with your organisation's identity provider." },
  server_unavailable: { status: 503, message: 'The server is not ready to serve requests' },
} as const satisfies Record<string, CatalogueEntry>;

type Catalogue = typeof errorCatalogue;
export type ErrorCode = keyof Catalogue;

/** Codes whose message is a fixed text. */
export type FixedMessageCode = { [C in ErrorCode]: Catalogue[C]['message'] extends string ? C : never }[ErrorCode];

/**
 * The arguments a code's message needs: none for a fixed text, one object for a template. A code
 * only known as "some code" must be narrowed first, unless every code it may be has a fixed text.
 */
export type ErrorParams<C extends ErrorCode> = [C] extends [FixedMessageCode]
  ? []
  : [params: Catalogue[C]['message'] extends (params: infer P) => string ? P : never];

export const errorCodes = Object.keys(errorCatalogue) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCatalogue, value);
}

export function errorStatus(code: ErrorCode): number {
  return errorCatalogue[code].status;
}

export function errorMessage<C extends ErrorCode>(code: C, ...params: ErrorParams<C>): string {
  const message = errorCatalogue[code].message as string | ((params: unknown) => string);
  return typeof message === 'string' ? message : message(params[0]);
}
