import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { readCookie } from './cookies.ts';
import { sameToken } from './csrf.ts';
import type { ServerSecret } from './server-secret.ts';

const LIFETIME_MS = 180 * 86_400_000;

/**
 * A browser that signed in to an account before carries a device cookie for it
 * (`<device id>.<user id>.<HMAC>`, HttpOnly, SameSite=Lax, __Host- over https). Its sign-ins to that
 * account are throttled on their own allowance, so wrong passwords typed elsewhere cannot lock its
 * owner out. Only a successful sign-in makes one; the MAC makes them unforgeable.
 */
export class DeviceCookies {
  constructor(
    private readonly secret: ServerSecret,
    private readonly cookie: { name: string; secure: boolean },
  ) {}

  /** The device id of the request's cookie when it is valid for this user. */
  deviceOf(req: Request, userId: string): string | undefined {
    const value = readCookie(req, this.cookie.name);
    const m = value && /^([\w-]{22})\.([\w-]{1,100})\.([\w-]{43})$/.exec(value);
    if (!m || m[2] !== userId) return undefined;
    return sameToken(m[3], this.secret.mac('device', `${m[1]}.${m[2]}`)) ? m[1] : undefined;
  }

  /** Sets (or renews) the browser's device cookie for the user after a successful sign-in. */
  remember(res: Response, userId: string, deviceId = randomBytes(16).toString('base64url')): void {
    const signed = `${deviceId}.${userId}`;
    res.cookie(this.cookie.name, `${signed}.${this.secret.mac('device', signed)}`, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.cookie.secure,
      path: '/',
      maxAge: LIFETIME_MS,
    });
  }
}
