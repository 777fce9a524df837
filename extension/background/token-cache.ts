// One token per Grafana instance: fetched from the server, kept in storage.session only, installed as
// the instance's header rule with a refresh alarm, dropped when it expires or access ends.
// Never log a token, never write one to storage.local.
import browser from 'webextension-polyfill';
import type { GrafanaRole, PublicInstance } from '../../server/contract/index.ts';
import { ServerError } from '../common/server-api';
import { refreshAlarm } from './alarms';
import type { Clock } from './worker-deps';
import { removeHeaderRules, setHeaderRules } from './header-rules';
import { expiresAt, isExpired, refreshAt, type RefreshPolicy } from './refresh-schedule';
import { retryLater, succeeded } from './retry';
import * as store from './store';
import type { Problem, TokenRecord } from './store';
import { refreshPolicy, type WorkerState } from './worker-state';

/** What asking the server for a token came to; the caller decides what it means for the account. */
export type FetchOutcome =
  | { kind: 'token'; record: TokenRecord; role: GrafanaRole }
  /** access_denied or unknown_instance: the instance is dropped. */
  | { kind: 'no-access' }
  /** session_required: the caller forgets the user. */
  | { kind: 'signed-out' }
  /** Anything else: a retry is scheduled; the current token stays while it is valid. */
  | { kind: 'failed'; problem: Problem; stillValid: TokenRecord | undefined };

export const cachedToken = (instanceId: string) => store.load(store.tokenKey(instanceId));

export async function fetchToken(state: WorkerState, instance: PublicInstance, clock: Clock): Promise<FetchOutcome> {
  const alarm = refreshAlarm(instance.id);
  const current = await cachedToken(instance.id);
  if (current && isExpired(current, clock.now())) {
    // An expired token in the header would beat a valid URL token: never leave one there.
    await dropToken(instance.id);
  }
  const stillValid = current && !isExpired(current, clock.now()) ? current : undefined;
  try {
    const response = await state.api.requestToken(instance.id);
    const record: TokenRecord = { token: response.token, receivedAt: clock.now(), expiresIn: response.expiresIn, user: response.user };
    await store.saveToken(instance.id, record);
    await installToken(instance, record, refreshPolicy(state.options), state.config?.issuer);
    await succeeded(alarm);
    return { kind: 'token', record, role: response.user.role };
  } catch (error) {
    if (error instanceof ServerError) {
      switch (error.code) {
        case 'access_denied':
        case 'unknown_instance':
          await dropInstance(instance.id);
          return { kind: 'no-access' };
        case 'session_required':
          return { kind: 'signed-out' };
      }
    }
    return { kind: 'failed', problem: await retryLater(error, alarm, stillValid, clock), stillValid };
  }
}

/**
 * The header rules, the /go/ link rules for links to `linkServerUrl` (the server's public URL, the
 * one links are made with), and the refresh alarm for a token.
 */
export async function installToken(instance: PublicInstance, record: TokenRecord, policy: RefreshPolicy, linkServerUrl: string | undefined): Promise<void> {
  await setHeaderRules(instance, record.token, linkServerUrl);
  await browser.alarms.create(refreshAlarm(instance.id), { when: refreshAt(record, policy) });
}

/**
 * An instance not in use gets no new token. Its current one stays while valid (a click may still use
 * it), and so does its rule; the alarm comes back at the expiry, when both go unless a tab appeared.
 */
export async function letLapse(instanceId: string, clock: Clock): Promise<void> {
  const current = await cachedToken(instanceId);
  if (current && !isExpired(current, clock.now())) {
    await Promise.all([store.remove([store.failuresKey(refreshAlarm(instanceId))]), browser.alarms.create(refreshAlarm(instanceId), { when: expiresAt(current) })]);
  } else {
    await dropInstance(instanceId);
  }
}

async function dropToken(instanceId: string): Promise<void> {
  await Promise.all([store.remove([store.tokenKey(instanceId)]), removeHeaderRules(instanceId)]);
}

/** Token, rules, retry count and alarm: for an instance the user can no longer open. */
export async function dropInstance(instanceId: string): Promise<void> {
  await Promise.all([
    dropToken(instanceId),
    store.remove([store.failuresKey(refreshAlarm(instanceId))]),
    browser.alarms.clear(refreshAlarm(instanceId)),
  ]);
}
