// The worker's alarm names, in one place: a full sync, and one refresh per Grafana instance.
import browser from 'webextension-polyfill';

export const syncAlarm = 'sync';
const refreshPrefix = 'refresh:';
export const refreshAlarm = (instanceId: string) => `${refreshPrefix}${instanceId}`;

export type WorkerAlarm = { kind: 'sync' } | { kind: 'refresh'; instanceId: string };

/** What an alarm name means; undefined for a name this worker never creates. */
export function parseAlarm(name: string): WorkerAlarm | undefined {
  if (name === syncAlarm) return { kind: 'sync' };
  if (name.startsWith(refreshPrefix) && name.length > refreshPrefix.length) return { kind: 'refresh', instanceId: name.slice(refreshPrefix.length) };
  return undefined;
}

export async function clearWorkerAlarms(): Promise<void> {
  const alarms = await browser.alarms.getAll();
  await Promise.all(alarms.filter((a) => parseAlarm(a.name)).map((a) => browser.alarms.clear(a.name)));
}
