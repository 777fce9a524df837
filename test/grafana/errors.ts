/**
 * Two kinds of failure, kept apart on purpose:
 * - StandinConfigError: grafana.ini would stop real Grafana from starting. Thrown at startup only, and
 *   names the setting so a test failure reads like Grafana's own log line.
 * - AuthError: one request failed authentication. `messageId` and `message` are what Grafana puts in its
 *   JSON answer; `detail` is private (why exactly), kept in the request record for debugging tests.
 */
export class StandinConfigError extends Error {
  override name = 'StandinConfigError';
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
  }
}

export type AuthMessageId =
  | 'jwt.invalid'
  | 'jwt.missing_claim'
  | 'jwt.invalid_role'
  | 'user.sync.signup-disabled'
  | 'api-key.invalid'
  | 'auth.unauthorized';

const PUBLIC: Record<AuthMessageId, { status: 401 | 403; message: string }> = {
  'jwt.invalid': { status: 401, message: 'Failed to verify JWT' },
  'jwt.missing_claim': { status: 401, message: 'Missing mandatory claim in JWT' },
  'jwt.invalid_role': { status: 403, message: 'Invalid Role in claim' },
  'user.sync.signup-disabled': { status: 401, message: 'Sign up is disabled' },
  'api-key.invalid': { status: 401, message: 'Invalid API key' },
  // No client authenticated the request at all (no token, JWT client skipped, no anonymous access).
  'auth.unauthorized': { status: 401, message: 'Unauthorized' },
};

export class AuthError extends Error {
  override name = 'AuthError';
  readonly status: 401 | 403;
  readonly publicMessage: string;
  constructor(
    readonly messageId: AuthMessageId,
    readonly detail: string,
  ) {
    super(`${messageId}: ${detail}`);
    const p = PUBLIC[messageId];
    this.status = p.status;
    this.publicMessage = p.message;
  }

  toJSON(): { messageId: AuthMessageId; message: string } {
    return { messageId: this.messageId, message: this.publicMessage };
  }
}
