// A search the context menu hands to the popup: kept in storage.session until the popup takes it.
import * as store from './store';

/** The popup opens within moments of the click; an older query is from another occasion. */
export const PENDING_QUERY_MAX_AGE_MS = 60_000;

export async function keepPendingQuery(query: string, now: number): Promise<void> {
  await store.save({ pendingQuery: { query, at: now } });
}

/** The query waiting for the popup ('' when none); taking it clears it. */
export async function takePendingQuery(now: number): Promise<string> {
  const pending = await store.load('pendingQuery');
  if (!pending) return '';
  await store.remove(['pendingQuery']);
  return now - pending.at <= PENDING_QUERY_MAX_AGE_MS ? pending.query : '';
}
