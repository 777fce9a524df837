// Refreshing only what is in use: an open Grafana tab or a recent opening keeps an instance's token
// fresh; anything else costs the token server nothing until the user asks (a click, the popup).
import { fakeBrowser } from '@webext-core/fake-browser';
import { describe, expect, it, vi } from 'vitest';
import { refreshAlarm } from '../../extension/background/alarms';
import { ruleIds } from '../../extension/background/header-rules';
import { sessionRules } from './fakes';
import { closeTab, openedUrls, openTab, popupSender, restartWorker, sendAs, session, setUp, until } from './harness';

const headerValue = (instanceId: string) => sessionRules.get(ruleIds(instanceId).subresources)?.action.requestHeaders?.[0]?.value;

/**
 * Runs the browser for `ms` in steps of `stepMs`: due alarms fire (through the real dispatcher, as
 * index.ts does), and `check` runs after every step.
 */
async function runFor(ms: number, check: () => Promise<void> | void = () => undefined, stepMs = 5_000): Promise<void> {
  const { dispatchAlarm } = await import('../../extension/background/dispatch-alarm');
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const now = Math.min(end, Date.now() + stepMs);
    vi.setSystemTime(now);
    for (const alarm of await fakeBrowser.alarms.getAll()) {
      if (alarm.scheduledTime > now) continue;
      await fakeBrowser.alarms.clear(alarm.name);
      await dispatchAlarm(alarm.name);
    }
    await check();
  }
}

/** The header rule of `instanceId` carries a token that is still valid now. */
async function headerIsValid(instanceId: string): Promise<boolean> {
  const record = (await session())[`token:${instanceId}`] as { token: string; receivedAt: number; expiresIn: number } | undefined;
  return record !== undefined && headerValue(instanceId) === record.token && Date.now() < record.receivedAt + record.expiresIn * 1000;
}

describe('which instances are refreshed', () => {
  it('no Grafana tab and no opening: no token at sign-in, none for hours', async () => {
    const { sync, server } = await setUp();
    await sync.syncAccount();
    expect((await session()).account).toMatchObject({ status: 'signed-in' });
    await runFor(3 * 3600_000, undefined, 60_000);
    expect(server.state.issued).toBe(0);
    expect(sessionRules.size).toBe(0);
  });

  it('an open tab: its header rule is refreshed before every expiry, for as long as the tab stays', async () => {
    const { sync, server } = await setUp();
    await openTab('main');
    await sync.syncAccount();
    await runFor(3600_000, async () => expect(await headerIsValid('main')).toBe(true));
    // One at sign-in, then one every 4 minutes; the other instance, with no tab, none.
    expect(server.state.issued).toBe(1 + 3600 / 240);
    expect((await session())['token:ops']).toBeUndefined();
    expect(headerValue('ops')).toBeUndefined();
  });

  it('the last tab closed: refresh stops, and the rule lapses with the token', async () => {
    const { sync, server } = await setUp();
    const tab = await openTab('main');
    await sync.syncAccount();
    await runFor(600_000);
    const issued = server.state.issued;
    await closeTab(tab);
    await runFor(3600_000);
    expect(server.state.issued).toBe(issued);
    expect((await session())['token:main']).toBeUndefined();
    expect(sessionRules.size).toBe(0);
    expect(await fakeBrowser.alarms.get(refreshAlarm('main'))).toBeUndefined();
  });

  it('a tab on a Grafana page opened without the extension (a bookmark) gets a token at once', async () => {
    const { sync, server } = await setUp();
    await sync.syncAccount();
    const tab = await openTab('ops', 'explore');
    await fakeBrowser.tabs.onUpdated.trigger(tab, { status: 'loading', url: 'https://ops.example.com/grafana/explore' }, (await fakeBrowser.tabs.get(tab)) as never);
    await until(async () => expect(await headerIsValid('ops')).toBe(true));
    expect(server.state.issued).toBe(1);
    expect((await session())['token:main']).toBeUndefined();
  });
});

describe('on demand', () => {
  it('the popup opening fetches the default instance\'s token, so its first click needs no round trip', async () => {
    const { sync, server } = await setUp();
    await sync.syncAccount();
    await sendAs(popupSender(), { type: 'getState' });
    await until(async () => expect((await session())['token:main']).toMatchObject({ token: 'jwt-1' }));
    expect(server.state.issued).toBe(1);
    const calls = server.state.calls.length;
    expect(await sendAs(popupSender(), { type: 'open' })).toEqual({ ok: true, instanceId: 'main' });
    expect(server.state.calls.length).toBe(calls);
    expect(await openedUrls()).toEqual(['http://127.0.0.1:3000/?auth_token=jwt-1']);
  });

  it('the popup asks a failing server once, not on every redraw', async () => {
    const { sync, server } = await setUp();
    await sync.syncAccount();
    server.state.reachable = false;
    await sendAs(popupSender(), { type: 'getState' });
    await until(async () => expect((await session())['failures:refresh:main']).toBe(1));
    const calls = server.state.calls.length;
    await sendAs(popupSender(), { type: 'getState' });
    await sendAs(popupSender(), { type: 'getState' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.state.calls.length).toBe(calls);
  });

  it('an opening works without a cached token and keeps the token fresh for a few minutes, across worker restarts', async () => {
    const { sync, server } = await setUp();
    await sync.syncAccount();
    expect(await sendAs(popupSender(), { type: 'open' })).toEqual({ ok: true, instanceId: 'main' });
    expect(await openedUrls()).toEqual(['http://127.0.0.1:3000/?auth_token=jwt-1']);
    // The tab is closed at once (or its URL is hidden from the worker): the opening alone counts.
    for (const tab of await fakeBrowser.tabs.query({})) await closeTab(tab.id!);
    await restartWorker();
    await runFor(250_000);
    expect(server.state.issued).toBe(2); // refreshed at 4 min: the opening is less than 5 min old
    expect(await headerIsValid('main')).toBe(true);
    await runFor(3600_000);
    expect(server.state.issued).toBe(2); // then no more
    expect(sessionRules.size).toBe(0);
  });
});
