// Tokens per Grafana instance: fetch, cache (storage.session only), refresh before expiry with
// chrome.alarms, back off while the server is unreachable, drop everything when the session is gone.
// Never log a token, never write one to storage.local.
import browser from 'webextension-polyfill';
import { buildConfig } from '../shared/build-config';
import { readOptions, type Options } from '../shared/options';
import type { GrafanaRole, PublicConfig as ServerConfig, PublicInstance as GrafanaInstance } from '../../server/contract/index.ts';
import { serverApi, ServerError, type ServerApi } from '../shared/server-api';
import { removeAllHeaderRules, removeHeaderRules, setHeaderRules } from './header-rules';
import { exclusive } from './lock';
import { backoffSeconds, expiresAt, isExpired, isFresh, refreshAt, type RefreshPolicy } from './refresh-schedule';
import * as store from './store';
import type { Account, TokenRecord } from './store';

export const syncAlarm = 'sync';
const refreshPrefix = 'refresh:';
export const refreshAlarm = (instanceId: string) => `${refreshPrefix}${instanceId}`;

export function refreshPolicy(options: Options): RefreshPolicy {
  return {
    minMarginSeconds: options.refreshMinMarginSeconds,
    marginRatio: options.refreshMarginRatio,
    minDelaySeconds: buildConfig.minAlarmSeconds,
  };
}

interface Context {
  options: Options;
  api: ServerApi;
  /** The config fetched from the configured server, if any yet. */
  config: ServerConfig | undefined;
  account: Account | undefined;
}

async function loadContext(): Promise<Context> {
  const [{ options }, cached, account] = await Promise.all([readOptions(), store.load('config'), store.load('account')]);
  const config = cached && cached.serverUrl === options.serverUrl ? cached.config : undefined;
  return { options, api: serverApi(options.serverUrl), config, account };
}

/** Whether the stored state belongs to the configured server and a known account state. */
const isSynced = (ctx: Context): boolean => ctx.config !== undefined && ctx.account !== undefined;

// ---- entry points (each takes the lock once) ----

/** Full check: config, session, then a token per instance the user may open. */
export function syncAccount(): Promise<void> {
  return exclusive(async () => {
    await sync(await loadContext());
  });
}

/** The refresh alarm of one instance fired. */
export function refreshInstance(instanceId: string): Promise<void> {
  return exclusive(async () => {
    const ctx = await loadContext();
    if (!isSynced(ctx) || ctx.account?.status !== 'signed-in') return sync(ctx);
    const instance = ctx.config?.instances.find((i) => i.id === instanceId);
    if (!instance) return dropInstance(instanceId);
    await fetchToken(ctx, instance);
  });
}

export type TokenOutcome =
  | { ok: true; record: TokenRecord; instance: GrafanaInstance; options: Options }
  | { ok: false; reason: 'unconfigured' | 'signed-out' | 'no-access' | 'unreachable'; message: string };

const signedOut: TokenOutcome = { ok: false, reason: 'signed-out', message: 'You are signed out.' };
const noAccess: TokenOutcome = { ok: false, reason: 'no-access', message: 'Your account has no access to this Grafana instance.' };

async function unreachable(): Promise<TokenOutcome> {
  const problem = await store.load('problem');
  return { ok: false, reason: 'unreachable', message: problem?.message ?? 'The token server is unreachable.' };
}

/**
 * A token to open Grafana with: the cached one when fresh (no network round trip), else a new one;
 * while the server is unreachable, the cached one as long as it is valid.
 */
export function tokenForOpening(instanceId: string | undefined): Promise<TokenOutcome> {
  return exclusive(async () => {
    let ctx = await loadContext();
    if (!ctx.options.serverUrl) return { ok: false, reason: 'unconfigured', message: 'No token server is configured.' };
    if (!isSynced(ctx)) {
      await sync(ctx);
      ctx = await loadContext();
    }
    if (!ctx.config || !ctx.account) return unreachable();
    if (ctx.account.status !== 'signed-in') return signedOut;
    const instance = pickInstance(ctx.config, ctx.options, instanceId);
    if (!instance || !(instance.id in ctx.account.roles)) return noAccess;

    const cached = await store.load(store.tokenKey(instance.id));
    if (cached && isFresh(cached, refreshPolicy(ctx.options), Date.now())) return { ok: true, record: cached, instance, options: ctx.options };
    const record = (await fetchToken(ctx, instance)) ?? (cached && !isExpired(cached, Date.now()) ? cached : undefined);
    if (record) return { ok: true, record, instance, options: ctx.options };
    // fetchToken failed: it has recorded why (signed out, problem) or dropped the instance.
    if ((await store.load('account'))?.status !== 'signed-in') return signedOut;
    return (await store.load('problem')) ? unreachable() : noAccess;
  });
}

/** Forget the user locally: tokens, rules, alarms. `account` says why (signed out, unconfigured). */
export function forgetUser(account: Account): Promise<void> {
  return exclusive(() => forget(account));
}

/** The option's default instance if it exists, else the server's default, else the first. */
export function pickInstance(config: ServerConfig, options: Options, instanceId?: string): GrafanaInstance | undefined {
  const byId = (id: string) => config.instances.find((i) => i.id === id);
  if (instanceId) return byId(instanceId);
  return byId(options.defaultInstance) ?? config.instances.find((i) => i.default) ?? config.instances[0];
}

// ---- work done under the lock ----

async function sync(ctx: Context): Promise<void> {
  if (!ctx.options.serverUrl) return forget({ status: 'unconfigured' });
  const cached = await store.load('config');
  if (cached && cached.serverUrl !== ctx.options.serverUrl) {
    // Another server: nothing of the previous one may stay.
    await forget({ status: 'signed-out' });
  }
  try {
    const config = await ctx.api.getConfig();
    await store.save({ config: { serverUrl: ctx.options.serverUrl, config } });
    const session = await ctx.api.getSession();
    const roles = Object.fromEntries(session.instances.map((i) => [i.id, i.role]));
    const account: Account = { status: 'signed-in', user: session.user, roles };
    await store.save({ account });
    await succeeded(syncAlarm);
    const next: Context = { ...ctx, config, account };

    const tokens = await store.loadTokens();
    const allowed = config.instances.filter((i) => i.id in roles);
    for (const id of tokens.keys()) {
      if (!allowed.some((i) => i.id === id)) await dropInstance(id);
    }
    const policy = refreshPolicy(ctx.options);
    await Promise.all(
      allowed.map(async (instance) => {
        const current = tokens.get(instance.id);
        if (current && isFresh(current, policy, Date.now())) {
          // Still good: make sure its rule and alarm exist (they may predate a permission grant).
          await installToken(instance, current, policy);
        } else {
          await fetchToken(next, instance);
        }
      }),
    );
  } catch (error) {
    await failed(error, syncAlarm, undefined);
  }
}

async function fetchToken(ctx: Context, instance: GrafanaInstance): Promise<TokenRecord | undefined> {
  const alarm = refreshAlarm(instance.id);
  const current = await store.load(store.tokenKey(instance.id));
  if (current && isExpired(current, Date.now())) {
    // An expired token in the header would beat a valid URL token: never leave one there.
    await dropToken(instance.id);
  }
  const stillValid = current && !isExpired(current, Date.now()) ? current : undefined;
  try {
    const response = await ctx.api.requestToken(instance.id);
    const record: TokenRecord = { token: response.token, receivedAt: Date.now(), expiresIn: response.expiresIn, user: response.user };
    await store.saveToken(instance.id, record);
    await installToken(instance, record, refreshPolicy(ctx.options));
    await succeeded(alarm);
    await noteRole(instance.id, response.user.role);
    return record;
  } catch (error) {
    if (error instanceof ServerError && (error.code === 'access_denied' || error.code === 'unknown_instance')) {
      await dropInstance(instance.id);
      await noteRole(instance.id, undefined);
      return undefined;
    }
    await failed(error, alarm, stillValid);
    return undefined;
  }
}

async function installToken(instance: GrafanaInstance, record: TokenRecord, policy: RefreshPolicy): Promise<void> {
  await setHeaderRules(instance, record.token);
  await browser.alarms.create(refreshAlarm(instance.id), { when: refreshAt(record, policy) });
}

/** Keeps the account's role list in step with what the token endpoint says. */
async function noteRole(instanceId: string, role: GrafanaRole | undefined): Promise<void> {
  const account = await store.load('account');
  if (account?.status !== 'signed-in' || account.roles[instanceId] === role) return;
  const roles = { ...account.roles };
  if (role === undefined) delete roles[instanceId];
  else roles[instanceId] = role;
  await store.save({ account: { ...account, roles } });
}

async function succeeded(alarm: string): Promise<void> {
  await store.remove([store.failuresKey(alarm), 'problem']);
}

/**
 * session_required: the user is signed out, drop everything. Anything else (unreachable, 5xx,
 * malformed): keep what is still valid, show the problem and retry with backoff — but no later than
 * the current token's expiry, when its rule must go.
 */
async function failed(error: unknown, alarm: string, current: TokenRecord | undefined): Promise<void> {
  if (error instanceof ServerError && error.code === 'session_required') return forget({ status: 'signed-out' });
  const failures = ((await store.load(store.failuresKey(alarm))) ?? 0) + 1;
  const now = Date.now();
  let when = now + backoffSeconds(failures, buildConfig.minAlarmSeconds) * 1000;
  if (current) when = Math.min(when, Math.max(expiresAt(current), now + buildConfig.minAlarmSeconds * 1000));
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof ServerError ? error.code : 'extension_error';
  await store.saveFailures(alarm, failures);
  await store.save({ problem: { code, message, retryAt: when } });
  await browser.alarms.create(alarm, { when });
}

async function dropToken(instanceId: string): Promise<void> {
  await Promise.all([store.remove([store.tokenKey(instanceId)]), removeHeaderRules(instanceId)]);
}

/** Token, rules, retry count and alarm: for an instance the user can no longer open. */
async function dropInstance(instanceId: string): Promise<void> {
  await Promise.all([
    dropToken(instanceId),
    store.remove([store.failuresKey(refreshAlarm(instanceId))]),
    browser.alarms.clear(refreshAlarm(instanceId)),
  ]);
}

async function forget(account: Account): Promise<void> {
  const alarms = await browser.alarms.getAll();
  await Promise.all([
    store.userKeys().then((keys) => store.remove([...keys, 'problem'])),
    removeAllHeaderRules(),
    ...alarms.filter((a) => a.name === syncAlarm || a.name.startsWith(refreshPrefix)).map((a) => browser.alarms.clear(a.name)),
  ]);
  if (account.status === 'unconfigured') await store.remove(['config']);
  await store.save({ account });
}
