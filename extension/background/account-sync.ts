// The account as the server sees it: config, session, then a token per instance in use (in-use.ts);
// the others get one on demand (a click, the popup opening, a Grafana tab appearing).
// Entry points take the lock once; failures come back as values (outcomes, problems), and the
// account, with its roles, is written once after the tokens' fan-out.
import type { GrafanaRole, PublicInstance } from '../../server/contract/index.ts';
import type { Options } from '../common/options';
import { ServerError } from '../common/server-api';
import { clearWorkerAlarms, refreshAlarm, syncAlarm } from './alarms';
import { systemDeps, type WorkerDeps } from './worker-deps';
import { removeAllHeaderRules } from './header-rules';
import { instancesInUse } from './in-use';
import { exclusive } from './lock';
import { clearRecent } from './recent';
import { isExpired, isFresh } from './refresh-schedule';
import { retryLater, succeeded } from './retry';
import * as store from './store';
import type { Account, Problem, TokenRecord } from './store';
import { cachedToken, dropInstance, fetchToken, installToken, letLapse, type FetchOutcome } from './token-cache';
import { isSynced, loadWorkerState, pickInstance, refreshPolicy, type WorkerState } from './worker-state';

type SignedIn = Extract<Account, { status: 'signed-in' }>;

// ---- entry points ----

/** Full check: config, session, then a token per instance the user may open. */
export function syncAccount(deps: WorkerDeps = systemDeps): Promise<void> {
  return exclusive(async () => {
    await sync(await loadWorkerState(deps), deps);
  });
}

/** The refresh alarm of one instance fired: a new token if the instance is in use, else none. */
export function refreshInstance(instanceId: string, deps: WorkerDeps = systemDeps): Promise<void> {
  return exclusive(async () => {
    const state = await loadWorkerState(deps);
    if (!isSynced(state) || state.account?.status !== 'signed-in') {
      await sync(state, deps);
      return;
    }
    const instances = state.config?.instances ?? [];
    const instance = instances.find((i) => i.id === instanceId);
    if (!instance) return dropInstance(instanceId);
    if (!(await instancesInUse(instances, deps.clock.now())).has(instanceId)) return letLapse(instanceId, deps.clock);
    await settle(state.account, [[instance.id, await fetchToken(state, instance, deps.clock)]]);
  });
}

/**
 * A fresh token for one instance (the default one without an id), if it has none: for the popup as
 * it opens, so that its first click needs no round trip, and for a Grafana tab that appeared. Only
 * when signed in and with no retry already scheduled for it, so a failing server is not asked again
 * on every popup redraw or tab event.
 */
export function freshen(instanceId: string | undefined, deps: WorkerDeps = systemDeps): Promise<void> {
  return exclusive(async () => {
    const state = await loadWorkerState(deps);
    const { config, account, options } = state;
    if (!config || account?.status !== 'signed-in') return;
    const instance = pickInstance(config, options, instanceId);
    if (!instance || !(instance.id in account.roles)) return;
    const cached = await cachedToken(instance.id);
    if (cached && isFresh(cached, refreshPolicy(options), deps.clock.now())) return;
    if ((await store.load(store.failuresKey(refreshAlarm(instance.id)))) !== undefined) return;
    const outcome = await fetchToken(state, instance, deps.clock);
    // A session gone is left for the click to find: its session_required opens the sign-in and then
    // does what was asked (finish-sign-in.ts), which a popup already showing "signed out" could not.
    if (outcome.kind === 'signed-out') return;
    await settle(account, [[instance.id, outcome]]);
  });
}

export type TokenOutcome =
  | { ok: true; record: TokenRecord; instance: PublicInstance; options: Options }
  | { ok: false; reason: 'unconfigured' | 'signed-out' | 'no-access' | 'unreachable'; message: string };

type Refusal<R extends string> = { ok: false; reason: R; message: string };
const unconfigured: Refusal<'unconfigured'> = { ok: false, reason: 'unconfigured', message: 'No token server is configured.' };
const signedOut: Refusal<'signed-out'> = { ok: false, reason: 'signed-out', message: 'You are signed out.' };
const noAccess: Refusal<'no-access'> = { ok: false, reason: 'no-access', message: 'Your account has no access to this Grafana instance.' };
const unreachable = (problem: Problem | undefined): Refusal<'unreachable'> => ({
  ok: false,
  reason: 'unreachable',
  message: problem?.message ?? 'The token server is unreachable.',
});

/**
 * A token to open Grafana with: the cached one when fresh (no network round trip), else a new one;
 * while the server is unreachable, the cached one as long as it is valid.
 */
export function tokenForOpening(instanceId: string | undefined, deps: WorkerDeps = systemDeps): Promise<TokenOutcome> {
  return exclusive(async (): Promise<TokenOutcome> => {
    let state = await loadWorkerState(deps);
    if (!state.options.serverUrl) return unconfigured;
    let problem: Problem | undefined;
    if (!isSynced(state)) ({ state, problem } = await sync(state, deps));
    const { config, account, options } = state;
    if (!config || !account) return unreachable(problem);
    if (account.status !== 'signed-in') return signedOut;
    const instance = pickInstance(config, options, instanceId);
    if (!instance || !(instance.id in account.roles)) return noAccess;
    const opened = (record: TokenRecord): TokenOutcome => ({ ok: true, record, instance, options });

    const cached = await cachedToken(instance.id);
    if (cached && isFresh(cached, refreshPolicy(options), deps.clock.now())) return opened(cached);
    const outcome = await fetchToken(state, instance, deps.clock);
    await settle(account, [[instance.id, outcome]]);
    switch (outcome.kind) {
      case 'token':
        return opened(outcome.record);
      case 'signed-out':
        return signedOut;
      case 'no-access':
        return noAccess;
      case 'failed':
        return outcome.stillValid ? opened(outcome.stillValid) : unreachable(outcome.problem);
    }
  });
}

export type SearchToken = { ok: true; token: string } | Refusal<'signed-out' | 'no-access' | 'unreachable'>;

/**
 * Tokens to search Grafana with (launcher-search.ts) for instances that have none valid cached,
 * fetched in parallel. A search does not put an instance in use (in-use.ts): its token is not
 * refreshed unless a tab or an opening does, and while a retry for it is pending it is not asked for.
 */
export function tokensForSearch(instanceIds: string[], deps: WorkerDeps = systemDeps): Promise<Map<string, SearchToken>> {
  return exclusive(async () => {
    const state = await loadWorkerState(deps);
    const { config, account } = state;
    const answers = new Map<string, SearchToken>();
    if (!config || account?.status !== 'signed-in') {
      for (const id of instanceIds) answers.set(id, signedOut);
      return answers;
    }
    const fetched: [string, FetchOutcome][] = [];
    await Promise.all(
      instanceIds.map(async (id) => {
        const instance = config.instances.find((i) => i.id === id);
        if (!instance || !(id in account.roles)) return answers.set(id, noAccess);
        const cached = await cachedToken(id);
        if (cached && usableForSearch(cached, deps.clock.now())) return answers.set(id, { ok: true, token: cached.token });
        if ((await store.load(store.failuresKey(refreshAlarm(id)))) !== undefined) {
          return answers.set(id, unreachable(await store.load('problem')));
        }
        const outcome = await fetchToken(state, instance, deps.clock);
        fetched.push([id, outcome]);
        if (outcome.kind === 'token') answers.set(id, { ok: true, token: outcome.record.token });
        else if (outcome.kind === 'no-access') answers.set(id, noAccess);
        else if (outcome.kind === 'signed-out') answers.set(id, signedOut);
        else answers.set(id, outcome.stillValid ? { ok: true, token: outcome.stillValid.token } : (unreachable(outcome.problem)));
      }),
    );
    await settle(account, fetched);
    return answers;
  });
}

/** Valid for a search's round trip: the refresh margin does not matter for a request made now. */
export const usableForSearch = (record: TokenRecord, now: number): boolean => !isExpired(record, now + searchMarginMs);
const searchMarginMs = 15_000;

/** Forget the user locally: tokens, rules, alarms. `account` says why (signed out, unconfigured). */
export function forgetUser(account: Account): Promise<void> {
  return exclusive(() => forget(account));
}

// ---- work done under the lock ----

async function sync(state: WorkerState, deps: WorkerDeps): Promise<{ state: WorkerState; problem?: Problem }> {
  const { options, api } = state;
  if (!options.serverUrl) {
    const account: Account = { status: 'unconfigured' };
    await forget(account);
    return { state: { ...state, config: undefined, account } };
  }
  let { config, account } = state;
  const cached = await store.load('config');
  if (cached && cached.serverUrl !== options.serverUrl) {
    // Another server: nothing of the previous one may stay.
    account = { status: 'signed-out' };
    await forget(account);
  }
  try {
    config = await api.getConfig();
    await store.save({ config: { serverUrl: options.serverUrl, config } });
    const session = await api.getSession();
    const signedIn: SignedIn = { status: 'signed-in', user: session.user, roles: Object.fromEntries(session.instances.map((i) => [i.id, i.role])) };
    await store.save({ account: signedIn });
    await succeeded(syncAlarm);
    const next: WorkerState = { ...state, config, account: signedIn };

    const tokens = await store.loadTokens();
    const allowed = config.instances.filter((i) => i.id in signedIn.roles);
    for (const id of tokens.keys()) {
      if (!allowed.some((i) => i.id === id)) await dropInstance(id);
    }
    const policy = refreshPolicy(options);
    const inUse = await instancesInUse(allowed, deps.clock.now());
    const fetched = await Promise.all(
      allowed.map(async (instance): Promise<[string, FetchOutcome] | undefined> => {
        const current = tokens.get(instance.id);
        if (current && isFresh(current, policy, deps.clock.now())) {
          // Still good: make sure its rule and alarm exist (they may predate a permission grant).
          await installToken(instance, current, policy, next.config?.issuer);
          return undefined;
        }
        // Not in use: fetched on demand (a click, the popup opening, a tab appearing).
        if (!inUse.has(instance.id)) {
          await letLapse(instance.id, deps.clock);
          return undefined;
        }
        return [instance.id, await fetchToken(next, instance, deps.clock)];
      }),
    );
    const outcomes = fetched.filter((o) => o !== undefined);
    const failed = outcomes.map(([, o]) => o).find((o) => o.kind === 'failed');
    return { state: { ...next, account: await settle(signedIn, outcomes) }, problem: failed?.problem };
  } catch (error) {
    if (error instanceof ServerError && error.code === 'session_required') {
      account = { status: 'signed-out' };
      await forget(account);
      return { state: { ...state, config, account } };
    }
    return { state: { ...state, config, account }, problem: await retryLater(error, syncAlarm, undefined, deps.clock) };
  }
}

/**
 * What token answers mean for the account: signed out if any said so; else the roles they carried
 * (none for an instance the user lost), written once, so parallel answers cannot overwrite each other.
 */
async function settle(account: SignedIn, outcomes: [string, FetchOutcome][]): Promise<Account> {
  if (outcomes.some(([, o]) => o.kind === 'signed-out')) {
    const out: Account = { status: 'signed-out' };
    await forget(out);
    return out;
  }
  const roles: Record<string, GrafanaRole> = { ...account.roles };
  for (const [instanceId, outcome] of outcomes) {
    if (outcome.kind === 'token') roles[instanceId] = outcome.role;
    else if (outcome.kind === 'no-access') delete roles[instanceId];
  }
  const changed = Object.keys(roles).length !== Object.keys(account.roles).length || Object.entries(roles).some(([id, r]) => account.roles[id] !== r);
  if (!changed) return account;
  const next: SignedIn = { ...account, roles };
  await store.save({ account: next });
  return next;
}

async function forget(account: Account): Promise<void> {
  // Recent goes too: whoever signs in next on this profile must not see it.
  await Promise.all([store.userKeys().then((keys) => store.remove([...keys, 'problem'])), removeAllHeaderRules(), clearWorkerAlarms(), clearRecent()]);
  if (account.status === 'unconfigured') await store.remove(['config']);
  await store.save({ account });
}
