// The JSON bodies of the token server's API (docs/api.md), as the server sends them and the extension
// reads them (after checking: the extension trusts no shape it has not verified).
import type { ErrorCode } from './errors.ts';
import type { GrafanaRole } from './roles.ts';

export interface PublicInstance {
  id: string;
  name: string;
  /** Grafana's root URL. */
  url: string;
  /** Grafana's [auth.jwt] header_name: the header the extension's rule sets. */
  headerName: string;
  /** Exactly one instance is the server's default. */
  default: boolean;
}

/** GET /api/config: everything the extension needs besides the server's URL. */
export interface PublicConfig {
  /** The tokens' `iss`: the server's public URL. */
  issuer: string;
  loginUrl: string;
  instances: PublicInstance[];
}

export interface PublicUser {
  id: string;
  login: string;
  email: string;
  name: string;
}

/** GET /api/session. */
export interface SessionResponse {
  user: PublicUser;
  /** Only the instances this user may open, with the role their tokens will carry. */
  instances: { id: string; role: GrafanaRole }[];
}

/** POST /api/token's body. */
export interface TokenRequest {
  instance: string;
}

/** POST /api/token's answer. */
export interface TokenResponse {
  token: string;
  /** The token's `exp` (epoch seconds, server clock). */
  expiresAt: number;
  /** Lifetime in seconds: clients schedule refreshes from this and their own receipt time. */
  expiresIn: number;
  instance: string;
  user: PublicUser & { role: GrafanaRole };
}

/** Every JSON error answer. */
export interface ErrorResponse {
  code: ErrorCode;
  message: string;
  /** On session_required: where to sign in. */
  loginUrl?: string;
}
