// Retrying while the server cannot answer: a failure count per alarm, backoff, and the problem the
// popup and badge show. The problem is also returned, so callers never read it back from storage.
import browser from 'webextension-polyfill';
import { buildConfig } from '../common/build-config';
import { ServerError } from '../common/server-api';
import type { Clock } from './worker-deps';
import { backoffSeconds, expiresAt } from './refresh-schedule';
import * as store from './store';
import type { Problem, TokenRecord } from './store';

/** The work behind `alarm` succeeded: forget its failures and the shown problem. */
export async function succeeded(alarm: string): Promise<void> {
  await store.remove([store.failuresKey(alarm), 'problem']);
}

/**
 * A failure other than "signed out" (unreachable, 5xx, malformed answer): keep what is still valid,
 * show the problem, and retry `alarm` with backoff, but no later than the current token's expiry,
 * when its rule must go.
 */
export async function retryLater(error: unknown, alarm: string, current: TokenRecord | undefined, clock: Clock): Promise<Problem> {
  const failures = ((await store.load(store.failuresKey(alarm))) ?? 0) + 1;
  const now = clock.now();
  let when = now + backoffSeconds(failures, buildConfig.minAlarmSeconds) * 1000;
  if (current) when = Math.min(when, Math.max(expiresAt(current), now + buildConfig.minAlarmSeconds * 1000));
  const problem: Problem = {
    code: error instanceof ServerError ? error.code : 'extension_error',
    message: error instanceof Error ? error.message : String(error),
    retryAt: when,
  };
  await store.saveFailures(alarm, failures);
  await store.save({ problem });
  await browser.alarms.create(alarm, { when });
  return problem;
}
