import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { readCookie } from './cookies.ts';
import { HttpError } from './errors.ts';

/** Constant-time comparison of two CSRF tokens. */
export function sameToken(a: unknown, b: string | undefined): boolean {
  if (typeof a !== 'string' || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Before sign-in there is no session to hold a CSRF token, so the login form uses a double-submit
 * cookie: a random value in an HttpOnly, SameSite cookie that the form must echo.
 */
export function loginCsrfToken(req: Request, res: Response, cookie: { name: string; secure: boolean }): string {
  const { name, secure } = cookie;
  let token = readCookie(req, name);
  if (!token || !/^[\w-]{20,64}$/.test(token)) {
    token = randomBytes(24).toString('base64url');
    res.cookie(name, token, { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: 2 * 3600_000 });
  }
  return token;
}

/** Browsers send Origin on every form POST; one that is not this server means a cross-site post. */
export function checkFormOrigin(req: Request, ownOrigin: string): void {
  const origin = req.get('origin');
  if (origin && origin !== 'null' && origin !== ownOrigin) {
    throw new HttpError('origin_not_allowed', { detail: `origin ${origin}` });
  }
}
