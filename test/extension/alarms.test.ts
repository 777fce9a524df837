import { describe, expect, it } from 'vitest';
import { parseAlarm, refreshAlarm, syncAlarm } from '../../extension/background/alarms';
import { openTabs, setUp } from './harness';

describe('alarm names', () => {
  it('name a sync and one refresh per instance, and nothing else', () => {
    expect(parseAlarm(syncAlarm)).toEqual({ kind: 'sync' });
    expect(parseAlarm(refreshAlarm('main'))).toEqual({ kind: 'refresh', instanceId: 'main' });
    expect(parseAlarm(refreshAlarm('a:b'))).toEqual({ kind: 'refresh', instanceId: 'a:b' });
    for (const other of ['refresh:', 'Sync', 'refresh', 'other:main', '']) expect(parseAlarm(other), other).toBeUndefined();
  });
});

describe('dispatchAlarm', () => {
  it('refreshes the named instance only', async () => {
    const { sync, server } = await setUp();
    await openTabs();
    await sync.syncAccount();
    const { dispatchAlarm } = await import('../../extension/background/dispatch-alarm');
    await dispatchAlarm(refreshAlarm('ops'));
    expect(server.state.calls.slice(4)).toEqual(['POST /api/token']);
    expect(JSON.parse(String(server.fetch.mock.calls.at(-1)?.[1]?.body))).toEqual({ instance: 'ops' });
  });

  it('syncs on the sync alarm and ignores names it never created', async () => {
    const { server } = await setUp();
    const { dispatchAlarm } = await import('../../extension/background/dispatch-alarm');
    await dispatchAlarm('someone-else');
    expect(server.state.calls).toEqual([]);
    await dispatchAlarm(syncAlarm);
    expect(server.state.calls.slice(0, 2)).toEqual(['GET /api/config', 'GET /api/session']);
  });
});
