import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Clock } from './clock.ts';
import { readCookie } from './cookies.ts';
import { HttpError } from './errors.ts';
import type { ServerSecret } from './server-secret.ts';

/** Constant-time comparison of two CSRF tokens. */
export function sameToken(a: unknown, b: string | undefined): boolean {
  if (typeof a !== 'string' || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const LIFETIME_MS = 2 * 3600_000;

/**
 * Before sign-in there is no session to hold a CSRF token, so the login form uses a cookie the server
 * signs: `<nonce>.<issued seconds>.<HMAC>`, in an HttpOnly, SameSite cookie, and the form carries a
 * second HMAC of the nonce. A value planted by a sibling site (or anyone) fails the MAC and is
 * replaced, so it can never become the form's token.
 */
export class LoginCsrf {
  private readonly cookieName: string;
  private readonly secure: boolean;

  constructor(
    private readonly secret: ServerSecret,
    private readonly clock: Clock,
    cookie: { name: string; secure: boolean },
  ) {
    this.cookieName = cookie.name;
    this.secure = cookie.secure;
  }

  /** The form token for this browser; sets a fresh signed cookie when it holds no valid one. */
  token(req: Request, res: Response): string {
    let nonce = this.validNonce(req);
    if (!nonce) {
      nonce = randomBytes(18).toString('base64url');
      const signed = `${nonce}.${Math.floor(this.clock.now() / 1000)}`;
      res.cookie(this.cookieName, `${signed}.${this.secret.mac('login-csrf-cookie', signed)}`, {
        httpOnly: true,
        sameSite: 'lax',
        secure: this.secure,
        path: '/',
        maxAge: LIFETIME_MS,
      });
    }
    return this.secret.mac('login-csrf-form', nonce);
  }

  /** Whether the form's token belongs to a valid cookie this server made. */
  check(req: Request, formToken: unknown): boolean {
    const nonce = this.validNonce(req);
    return !!nonce && sameToken(formToken, this.secret.mac('login-csrf-form', nonce));
  }

  private validNonce(req: Request): string | undefined {
    const value = readCookie(req, this.cookieName);
    const m = value && /^([\w-]{24})\.(\d{1,12})\.([\w-]{43})$/.exec(value);
    if (!m) return undefined;
    const [, nonce, issued, mac] = m as unknown as [string, string, string, string];
    if (!sameToken(mac, this.secret.mac('login-csrf-cookie', `${nonce}.${issued}`))) return undefined;
    const age = this.clock.now() - Number(issued) * 1000;
    return age >= -60_000 && age < LIFETIME_MS ? nonce : undefined;
  }
}

/**
 * Browsers send Origin on every form POST; one that is not this server means a cross-site post, and
 * `null` one from an opaque origin (a sandboxed frame, a data: URL). Pages use Referrer-Policy
 * same-origin, so their own posts carry the real origin. No Origin at all is a non-browser client;
 * the CSRF token still guards it.
 */
export function checkFormOrigin(req: Request, ownOrigin: string): void {
  const origin = req.get('origin');
  if (origin !== undefined && origin !== ownOrigin) {
    throw new HttpError('origin_not_allowed', { detail: `origin ${origin}` });
  }
}
