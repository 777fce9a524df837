import { fakeBrowser } from '@webext-core/fake-browser';
import { describe, expect, it, vi } from 'vitest';
import { menuItemId, menuTarget, searchItemId } from '../../extension/background/context-menu';
import type { OpenResult, PopupState } from '../../extension/common/messages';
import { instances, serverUrl } from './fakes';
import { advance, openedUrls, openTab, openTabs, popupSender, restartWorker, sendAs, setUp, until } from './harness';


const grafana = 'http://127.0.0.1:3000';

describe('opening Grafana', () => {
  it('uses the cached token without a network round trip when it is fresh', async () => {
    const { sync, server } = await setUp();
    await openTabs();
    await sync.syncAccount();
    const calls = server.state.calls.length;
    const result = (await sendAs(popupSender(), { type: 'open' })) as OpenResult;
    expect(result).toEqual({ ok: true, instanceId: 'main' });
    expect(server.state.calls.length).toBe(calls);
    expect(await openedUrls()).toEqual([`${grafana}/?auth_token=jwt-1`]);
  });

  it('fetches a new token first when the cached one is due for refresh', async () => {
    const { sync, server } = await setUp();
    await openTabs();
    await sync.syncAccount();
    advance(250_000);
    await sendAs(popupSender(), { type: 'open', instanceId: 'ops', path: '/d/abc?orgId=1' });
    expect(server.state.calls.at(-1)).toBe('POST /api/token');
    expect(await openedUrls()).toEqual(['https://ops.example.com/grafana/d/abc?orgId=1&auth_token=jwt-3']);
  });

  it('falls back to the still-valid cached token while the server is unreachable', async () => {
    const { sync, server } = await setUp();
    await openTabs();
    await sync.syncAccount();
    advance(250_000);
    server.state.reachable = false;
    expect(await sendAs(popupSender(), { type: 'open' })).toEqual({ ok: true, instanceId: 'main' });
    expect(await openedUrls()).toEqual([`${grafana}/?auth_token=jwt-1`]);
  });

  it('keeps the token out of the URL when the user asked for it', async () => {
    const { sync } = await setUp({ keepTokensOutOfUrls: true });
    await openTabs();
    await sync.syncAccount();
    await sendAs(popupSender(), { type: 'open', path: '/explore' });
    expect(await openedUrls()).toEqual([`${grafana}/explore`]);
  });

  it('says what is missing, and puts no token in the URL, when tokens stay out of URLs but the header rule cannot act', async () => {
    const { sync } = await setUp({ keepTokensOutOfUrls: true });
    await sync.syncAccount();
    // The fake grants http://127.0.0.1/* only: ops.example.com has no host access, so no rule applies there.
    const result = (await sendAs(popupSender(), { type: 'open', instanceId: 'ops' })) as OpenResult;
    expect(result).toMatchObject({ ok: false, reason: 'no-host-access', message: expect.stringMatching(/ops\.example\.com.*Options/) });
    expect(await openedUrls()).toEqual([]);
    expect(fakeBrowser.runtime.openOptionsPage).toHaveBeenCalled();
  });

  it('answers with the failure itself when the server cannot be reached', async () => {
    const { server } = await setUp();
    server.state.reachable = false;
    const result = (await sendAs(popupSender(), { type: 'open' })) as OpenResult;
    expect(result).toMatchObject({ ok: false, reason: 'unreachable', message: expect.stringMatching(/Cannot reach the token server at http:\/\/127\.0\.0\.1:7000/) });
    expect(await openedUrls()).toEqual([]);
  });

  it('opens the option-chosen default instance', async () => {
    const { sync } = await setUp({ defaultInstance: 'ops' });
    await openTabs();
    await sync.syncAccount();
    await sendAs(popupSender(), { type: 'open' });
    expect(await openedUrls()).toEqual(['https://ops.example.com/grafana/?auth_token=jwt-2']);
  });

  it('opens the sign-in page when signed out', async () => {
    const { server } = await setUp();
    server.state.signedIn = false;
    const result = (await sendAs(popupSender(), { type: 'open' })) as OpenResult;
    expect(result).toMatchObject({ ok: false, reason: 'signed-out' });
    expect(await openedUrls()).toEqual([`${serverUrl}/login?return_to=%2F`]);
  });

  it('says when the user has no access to the instance', async () => {
    const { sync, server } = await setUp();
    delete server.state.roles.main;
    await sync.syncAccount();
    expect(await sendAs(popupSender(), { type: 'open' })).toMatchObject({ ok: false, reason: 'no-access' });
    expect(await openedUrls()).toEqual([]);
  });

  it('still serves the popup after the worker was stopped', async () => {
    const { sync, server } = await setUp();
    await openTabs();
    await sync.syncAccount();
    const calls = server.state.calls.length;
    await restartWorker();
    const state = (await sendAs(popupSender(), { type: 'getState' })) as PopupState;
    expect(state.status).toBe('signed-in');
    expect(state.instances[0]?.tokenExpiresAt).toBe(Date.now() + 300_000);
    await sendAs(popupSender(), { type: 'open' });
    expect(await openedUrls()).toEqual([`${grafana}/?auth_token=jwt-1`]);
    expect(server.state.calls.length).toBe(calls);
  });

  it('opens the default instance from the keyboard shortcut', async () => {
    const { sync } = await setUp();
    await openTabs();
    await sync.syncAccount();
    const commands = (fakeBrowser as unknown as { commands: { onCommand: { trigger(c: string): Promise<unknown> } } }).commands;
    await commands.onCommand.trigger('open-grafana');
    await until(async () => expect(await openedUrls()).toEqual([`${grafana}/?auth_token=jwt-1`]));
  });
});

describe('context menu', () => {
  it('is created once, at install: Open in Grafana for pages and links, Search Grafana for selections', async () => {
    await setUp();
    const menus = (fakeBrowser as unknown as { contextMenus: { create: ReturnType<typeof vi.fn> } }).contextMenus;
    await fakeBrowser.runtime.onInstalled.trigger({ reason: 'install' });
    await until(() => expect(menus.create).toHaveBeenCalledTimes(2));
    expect(menus.create).toHaveBeenCalledWith({ id: menuItemId, title: 'Open in Grafana', contexts: ['page', 'frame', 'link'] });
    expect(menus.create).toHaveBeenCalledWith({ id: searchItemId, title: "Search Grafana for '%s'", contexts: ['selection'] });
  });

  describe('menuTarget', () => {
    it('opens a link into a configured instance as that link', () => {
      expect(menuTarget({ linkUrl: `${grafana}/d/abc/cpu?orgId=1&from=now-1h#view`, pageUrl: 'https://wiki.example/' }, instances)).toEqual({
        instanceId: 'main',
        path: '/d/abc/cpu?orgId=1&from=now-1h#view',
      });
      expect(menuTarget({ linkUrl: 'https://ops.example.com/grafana/explore' }, instances)).toEqual({ instanceId: 'ops', path: '/explore' });
    });

    it('opens the default home anywhere else, including links elsewhere', () => {
      expect(menuTarget({ pageUrl: 'https://wiki.example/' }, instances)).toEqual({});
      expect(menuTarget({ linkUrl: 'https://elsewhere.example/d/abc', pageUrl: 'https://wiki.example/' }, instances)).toEqual({});
    });
  });

  it('dispatches clicks to a signed-in tab', async () => {
    const { sync } = await setUp();
    await openTabs();
    await sync.syncAccount();
    const menus = (fakeBrowser as unknown as { contextMenus: { onClicked: { trigger(info: unknown, tab?: unknown): Promise<unknown> } } }).contextMenus;
    await menus.onClicked.trigger({ menuItemId, linkUrl: `${grafana}/d/abc?orgId=1`, pageUrl: 'https://wiki.example/', editable: false });
    await menus.onClicked.trigger({ menuItemId, pageUrl: 'https://wiki.example/', editable: false });
    await until(async () => expect((await openedUrls()).sort()).toEqual([`${grafana}/d/abc?orgId=1&auth_token=jwt-1`, `${grafana}/?auth_token=jwt-1`].sort()));
  });
});

describe('sign-in', () => {
  it('opens the server login page', async () => {
    await setUp();
    await sendAs(popupSender(), { type: 'signIn' });
    expect(await openedUrls()).toEqual([`${serverUrl}/login?return_to=%2F`]);
  });

  it('notices a completed sign-in on the server tab and fetches the tokens of instances in use', async () => {
    const { sync, server } = await setUp();
    await openTab('main');
    server.state.signedIn = false;
    await sync.syncAccount();
    server.state.signedIn = true;
    const tab = { id: 7, index: 0, url: `${serverUrl}/`, highlighted: true, active: true, pinned: false, incognito: false };
    await fakeBrowser.tabs.onUpdated.trigger(7, { status: 'complete' }, tab as never);
    await until(async () => expect((await fakeBrowser.storage.session.get('token:main'))['token:main']).toBeDefined());
  });

  it('ignores tabs whose URL it cannot see and pages still on the login form', async () => {
    const { sync, server } = await setUp();
    server.state.signedIn = false;
    await sync.syncAccount();
    const calls = server.state.calls.length;
    const base = { index: 0, highlighted: true, active: true, pinned: false, incognito: false };
    await fakeBrowser.tabs.onUpdated.trigger(8, { status: 'complete' }, { ...base, id: 8 } as never);
    await fakeBrowser.tabs.onUpdated.trigger(9, { status: 'complete' }, { ...base, id: 9, url: `${serverUrl}/login?return_to=%2F` } as never);
    await fakeBrowser.tabs.onUpdated.trigger(10, { status: 'complete' }, { ...base, id: 10, url: 'http://127.0.0.1:3000/' } as never);
    await new Promise((r) => setTimeout(r, 50));
    expect(server.state.calls.length).toBe(calls);
  });
});
