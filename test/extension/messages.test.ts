import { fakeBrowser } from '@webext-core/fake-browser';
import { describe, expect, it } from 'vitest';
import { isMessage, isOwnPage, messageTypes } from '../../extension/common/messages';
import type { PopupState } from '../../extension/common/messages';
import { instances, serverUrl } from './fakes';
import { popupSender, sendAs, setUp } from './harness';

const ownId = 'abcdefghijklmnop';
const ownOrigin = `chrome-extension://${ownId}/`;

describe('isOwnPage', () => {
  it('accepts the popup and the options page (also when opened in a tab)', () => {
    expect(isOwnPage({ id: ownId, url: `${ownOrigin}extension/popup/index.html` }, ownId, ownOrigin)).toBe(true);
    expect(
      isOwnPage(
        { id: ownId, url: `${ownOrigin}extension/options/index.html`, origin: ownOrigin.slice(0, -1), tab: { url: `${ownOrigin}extension/options/index.html` } as never } as never,
        ownId,
        ownOrigin,
      ),
    ).toBe(true);
  });

  it('rejects another extension', () => {
    expect(isOwnPage({ id: 'other', url: 'chrome-extension://other/popup.html' }, ownId, ownOrigin)).toBe(false);
    expect(isOwnPage({ id: 'other', url: `${ownOrigin}x.html` }, ownId, ownOrigin)).toBe(false);
  });

  it('rejects web pages, even carrying our id (a content script would)', () => {
    expect(isOwnPage({ id: ownId, url: 'https://evil.example/', tab: { url: 'https://evil.example/' } as never }, ownId, ownOrigin)).toBe(false);
    expect(isOwnPage({ id: ownId, url: `https://evil.example/${ownOrigin}` }, ownId, ownOrigin)).toBe(false);
    expect(isOwnPage({ id: ownId }, ownId, ownOrigin)).toBe(false);
  });

  it('rejects our page framed by a web page, and a sender whose origin disagrees', () => {
    expect(isOwnPage({ id: ownId, url: `${ownOrigin}p.html`, tab: { url: 'https://evil.example/' } as never }, ownId, ownOrigin)).toBe(false);
    expect(isOwnPage({ id: ownId, url: `${ownOrigin}p.html`, origin: 'https://evil.example' } as never, ownId, ownOrigin)).toBe(false);
    expect(isOwnPage({ id: ownId, url: `chrome-extension://${ownId}evil/p.html` }, ownId, ownOrigin)).toBe(false);
  });
});

describe('isMessage', () => {
  it('accepts exactly the message map types', () => {
    for (const type of messageTypes) expect(isMessage({ type })).toBe(true);
    for (const bad of [null, 'getState', {}, { type: 'evaluate' }, { type: 1 }]) expect(isMessage(bad)).toBe(false);
  });
});

describe('the worker dispatcher', () => {

  it('answers its own popup', async () => {
    const { sync } = await setUp();
    await sync.syncAccount();
    const state = (await sendAs(popupSender(), { type: 'getState' })) as PopupState;
    expect(state.status).toBe('signed-in');
    expect(state.user?.login).toBe('alice');
    expect(state.instances.map((i) => [i.id, i.role, i.isDefault])).toEqual([
      ['main', 'Editor', true],
      ['ops', 'Viewer', false],
    ]);
  });

  it('ignores other senders and unknown messages without doing anything', async () => {
    const { server } = await setUp();
    const web = { id: fakeBrowser.runtime.id, url: 'https://evil.example/', tab: { id: 4, url: 'https://evil.example/' } } as never;
    expect(await sendAs(web, { type: 'signOut' })).toBeUndefined();
    expect(await sendAs({ id: 'other-extension', url: 'chrome-extension://other-extension/x.html' }, { type: 'open' })).toBeUndefined();
    expect(await sendAs(popupSender(), { type: 'runScript', code: '1' })).toBeUndefined();
    expect(server.state.calls).toEqual([]);
    expect(await fakeBrowser.tabs.query({ url: 'http://*/*' })).toEqual([]);
  });

  it('reports "checking" before the first sync and "signed-out" after a failed one', async () => {
    const { server } = await setUp();
    server.state.signedIn = false;
    expect(((await sendAs(popupSender(), { type: 'getState' })) as PopupState).status).toBe('checking');
    const state = (await sendAs(popupSender(), { type: 'refresh' })) as PopupState;
    expect(state.status).toBe('signed-out');
    expect(state.user).toBeNull();
  });

  it('reports an unreachable server with its retry time', async () => {
    const { server } = await setUp();
    server.state.reachable = false;
    const state = (await sendAs(popupSender(), { type: 'refresh' })) as PopupState;
    expect(state.problem).toMatchObject({ code: 'unreachable' });
    expect(state.problem?.retryAt).toBeGreaterThan(Date.now());
  });

  it("checks the server for the options page: its config and who is signed in, without touching tokens", async () => {
    const { server } = await setUp();
    expect(await sendAs(popupSender(), { type: 'checkServer' })).toMatchObject({ ok: true, serverUrl, config: { instances }, user: { login: 'alice' } });
    server.state.signedIn = false;
    expect(await sendAs(popupSender(), { type: 'checkServer' })).toMatchObject({ ok: true, user: null });
    server.state.reachable = false;
    expect(await sendAs(popupSender(), { type: 'checkServer' })).toMatchObject({ ok: false, code: 'unreachable' });
    expect(server.state.calls.filter((c) => c.includes('/api/token'))).toEqual([]);
    expect(Object.keys(await fakeBrowser.storage.session.get())).toEqual([]);
  });

  it('signs out: tells the server, drops tokens', async () => {
    const { sync, server } = await setUp();
    await sync.syncAccount();
    await sendAs(popupSender(), { type: 'signOut' });
    expect(server.state.calls.at(-1)).toBe('POST /api/logout');
    const stored = await fakeBrowser.storage.session.get();
    expect(stored.account).toEqual({ status: 'signed-out' });
    expect(Object.keys(stored).some((k) => k.startsWith('token:'))).toBe(false);
  });
});
