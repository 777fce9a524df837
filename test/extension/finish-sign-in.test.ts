import { fakeBrowser } from '@webext-core/fake-browser';
import { describe, expect, it } from 'vitest';
import type { OpenResult } from '../../extension/common/messages';
import { serverUrl } from './fakes';
import { advance, openedUrls, popupSender, sendAs, session, setUp, until } from './harness';

/** The browser reports that a tab finished loading a page (what the worker's tab watch listens to). */
const tabLoaded = (tabId: number, url: string) => fakeBrowser.tabs.onUpdated.trigger(tabId, { status: 'complete' }, { id: tabId, url } as never);

describe('what a sign-in was opened for happens once it completes', () => {
  async function signedOutOpen() {
    const env = await setUp();
    env.server.state.signedIn = false;
    const result = (await sendAs(popupSender(), { type: 'open', instanceId: 'ops', path: '/d/abc?orgId=1' })) as OpenResult;
    expect(result).toMatchObject({ ok: false, reason: 'signed-out' });
    const tab = (await fakeBrowser.tabs.query({})).find((t) => t.url?.startsWith(serverUrl));
    expect(tab?.url).toBe(`${serverUrl}/login?return_to=%2F`);
    expect((await session()).pendingOpen).toMatchObject({ tabId: tab!.id, target: { instanceId: 'ops', path: '/d/abc?orgId=1' } });
    return { ...env, signInTab: tab!.id! };
  }

  it('the sign-in tab closes itself and the asked-for page opens signed in', async () => {
    const { server, signInTab } = await signedOutOpen();
    server.state.signedIn = true;
    await tabLoaded(signInTab, `${serverUrl}/`);
    // The sign-in's sync fetches no token (no Grafana tab is open): the opening's is the first.
    await until(async () => expect(await openedUrls()).toEqual(['https://ops.example.com/grafana/d/abc?orgId=1&auth_token=jwt-1']));
    expect((await fakeBrowser.tabs.query({})).map((t) => t.id)).not.toContain(signInTab);
    expect((await session()).pendingOpen).toBeUndefined();
  });

  it('nothing happens while that tab is still signing in, or for another tab', async () => {
    const { server, signInTab } = await signedOutOpen();
    await tabLoaded(signInTab, `${serverUrl}/login?return_to=%2F`);
    server.state.signedIn = true;
    await tabLoaded(signInTab + 100, `${serverUrl}/`);
    expect((await session()).pendingOpen).toMatchObject({ tabId: signInTab });
    expect(await openedUrls()).toEqual([`${serverUrl}/login?return_to=%2F`]);
  });

  it('an action older than ten minutes is dropped, not done', async () => {
    const { server, signInTab } = await signedOutOpen();
    advance(11 * 60_000);
    server.state.signedIn = true;
    await tabLoaded(signInTab, `${serverUrl}/`);
    await until(async () => expect((await session()).pendingOpen).toBeUndefined());
    expect(await openedUrls()).toEqual([`${serverUrl}/login?return_to=%2F`]);
  });
});
