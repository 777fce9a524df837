// The worker's whole state, kept in storage.session (memory only, gone when the browser closes,
// invisible to content scripts) so that the worker can be stopped at any moment.
import browser from 'webextension-polyfill';
import type { OpenTarget, ProblemCode } from '../common/messages';
import type { GrafanaRole, PublicConfig, PublicUser } from '../../server/contract/index.ts';

export interface TokenRecord {
  token: string;
  /** Local clock (ms) when the token arrived; with expiresIn, immune to browser/server clock skew. */
  receivedAt: number;
  expiresIn: number;
  user: PublicUser & { role: GrafanaRole };
}

export interface CachedConfig {
  serverUrl: string;
  config: PublicConfig;
}

export type Account =
  | { status: 'unconfigured' }
  | { status: 'signed-out' }
  | { status: 'signed-in'; user: PublicUser; roles: Record<string, GrafanaRole> };

/** A failure the user should see (server unreachable, malformed answer); cleared by the next success. */
export interface Problem {
  code: ProblemCode;
  message: string;
  retryAt?: number;
}

/** What the user asked for when a sign-in was needed: done when that sign-in tab completes (finish-sign-in.ts). */
export interface PendingOpen {
  tabId: number;
  target: OpenTarget;
  /** Local time (ms) the sign-in tab was opened. */
  at: number;
  /** A search to resolve after the sign-in (the omnibox, the context menu): its best match opens. */
  query?: string;
}

/** A search the context menu asked the popup to show (takePendingQuery). */
export interface PendingQuery {
  query: string;
  /** Local time (ms) it was asked. */
  at: number;
}

interface Schema {
  config: CachedConfig;
  pendingQuery: PendingQuery;
  account: Account;
  problem: Problem;
  pendingOpen: PendingOpen;
  [token: `token:${string}`]: TokenRecord;
  [failures: `failures:${string}`]: number;
  /** When Grafana was last opened through the extension, per instance (local clock, ms). */
  [opened: `opened:${string}`]: number;
}
type Key = keyof Schema & string;

const area = () => browser.storage.session;

export async function load<K extends Key>(key: K): Promise<Schema[K] | undefined> {
  const items = await area().get(key);
  return items[key] as Schema[K] | undefined;
}

export async function save(items: Partial<Schema>): Promise<void> {
  await area().set(items);
}

export async function remove(keys: Key[]): Promise<void> {
  if (keys.length) await area().remove(keys);
}

export const tokenKey = (instanceId: string) => `token:${instanceId}` as const;
export const failuresKey = (alarmName: string) => `failures:${alarmName}` as const;
export const openedKey = (instanceId: string) => `opened:${instanceId}` as const;

export async function saveToken(instanceId: string, record: TokenRecord): Promise<void> {
  await area().set({ [tokenKey(instanceId)]: record });
}

export async function saveFailures(alarmName: string, failures: number): Promise<void> {
  await area().set({ [failuresKey(alarmName)]: failures });
}

export async function saveOpened(instanceId: string, at: number): Promise<void> {
  await area().set({ [openedKey(instanceId)]: at });
}

/** Every stored token, by instance id. */
export async function loadTokens(): Promise<Map<string, TokenRecord>> {
  const all = await area().get();
  const tokens = new Map<string, TokenRecord>();
  for (const [key, value] of Object.entries(all)) {
    if (key.startsWith('token:')) tokens.set(key.slice('token:'.length), value as TokenRecord);
  }
  return tokens;
}

/** Keys of everything tied to a signed-in user: tokens, retry counters and recent openings. */
export async function userKeys(): Promise<Key[]> {
  const all = await area().get();
  return Object.keys(all).filter((k): k is Key => k.startsWith('token:') || k.startsWith('failures:') || k.startsWith('opened:'));
}
