import { timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { readCookie } from '../cookies.ts';

/**
 * One sign-in in progress, kept in the browser that started it: an HttpOnly, SameSite=Lax cookie
 * named after the state, holding the state, nonce and PKCE verifier. Only that browser can finish
 * the sign-in (another one has no cookie to match the state), and the cookie is cleared at the first
 * answer, so an answer cannot be replayed. Several tabs may sign in at once (one cookie each).
 */
export interface Flow {
  provider: string;
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
  startedAt: number;
}

export const FLOW_MAX_AGE_MS = 10 * 60_000;
const STATE = /^[\w-]{22,128}$/;

const cookieName = (state: string, secure: boolean) => `${secure ? '__Host-' : ''}grafana_sso_oidc_${state.slice(0, 22)}`;

export function setFlowCookie(res: Response, flow: Flow, secure: boolean): void {
  const value = Buffer.from(JSON.stringify([flow.provider, flow.state, flow.nonce, flow.verifier, flow.returnTo, flow.startedAt])).toString('base64url');
  res.cookie(cookieName(flow.state, secure), value, { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: FLOW_MAX_AGE_MS });
}

/** The flow this browser started for `state`, if any; the cookie is cleared either way. */
export function takeFlow(req: Request, res: Response, state: string, secure: boolean, now: number): Flow | undefined {
  if (!STATE.test(state)) return undefined;
  const name = cookieName(state, secure);
  const raw = readCookie(req, name);
  if (raw === undefined) return undefined;
  res.clearCookie(name, { httpOnly: true, sameSite: 'lax', secure, path: '/' });
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parts) || parts.length !== 6 || !parts.slice(0, 5).every((p) => typeof p === 'string') || typeof parts[5] !== 'number') return undefined;
  const [provider, storedState, nonce, verifier, returnTo, startedAt] = parts as [string, string, string, string, string, number];
  if (!sameString(storedState, state) || now - startedAt > FLOW_MAX_AGE_MS || startedAt > now + 60_000) return undefined;
  return { provider, state: storedState, nonce, verifier, returnTo, startedAt };
}

/** Whether this browser has any sign-in in progress (to tell "tampered state" from "no sign-in started"). */
export function hasAnyFlow(req: Request, secure: boolean): boolean {
  const prefix = `${secure ? '__Host-' : ''}grafana_sso_oidc_`;
  return (req.headers.cookie ?? '').split(';').some((c) => c.trim().startsWith(prefix));
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
