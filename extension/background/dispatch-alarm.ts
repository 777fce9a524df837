// The one alarm dispatcher: index.ts calls it for every alarm, and so does the 8-hour simulation.
import { refreshInstance, syncAccount } from './account-sync';
import { parseAlarm } from './alarms';
import { systemDeps, type WorkerDeps } from './worker-deps';

export async function dispatchAlarm(name: string, deps: WorkerDeps = systemDeps): Promise<void> {
  const alarm = parseAlarm(name);
  if (!alarm) return;
  switch (alarm.kind) {
    case 'sync':
      return syncAccount(deps);
    case 'refresh':
      return refreshInstance(alarm.instanceId, deps);
    default:
      alarm satisfies never;
  }
}
