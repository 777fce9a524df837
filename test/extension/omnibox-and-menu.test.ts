// @vitest-environment node
// The address-bar keyword and the context menu's search, against the real token server and stand-ins.
import { fakeBrowser } from '@webext-core/fake-browser';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { searchItemId } from '../../extension/background/context-menu';
import { describeHit, escapeXml, type Suggestion } from '../../extension/background/omnibox';
import type { DashboardHit } from '../../extension/common/launcher';
import { openedUrls, popupSender, sendAs, startWorker, until } from './harness';
import { startLauncherStack, type LauncherStack } from './real-stack';

// Real servers on a machine shared with other work: more time than the unit tests' default.
vi.setConfig({ testTimeout: 30_000, hookTimeout: 30_000 });

let s: LauncherStack | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

async function signedIn() {
  s = await startLauncherStack();
  await s.signIn();
  await startWorker();
  const { syncAccount } = await import('../../extension/background/account-sync');
  await syncAccount();
  return s;
}

type Events = { omnibox: Record<'onInputChanged' | 'onInputEntered', { trigger(...args: unknown[]): Promise<unknown> }>; contextMenus: { onClicked: { trigger(info: unknown): Promise<unknown> } } };
const events = () => fakeBrowser as unknown as Events;

/** Types `text` after the keyword; resolves with what the worker suggested (never, if it suggests nothing). */
function type(text: string): Promise<Suggestion[]> {
  return new Promise((resolve) => void events().omnibox.onInputChanged.trigger(text, resolve));
}
const enter = (text: string, disposition: string) => events().omnibox.onInputEntered.trigger(text, disposition);
const url = (stack: LauncherStack, id: string, path: string) => `${stack.stack.instanceUrl(id).replace(/\/$/, '')}${path}`;
const withoutToken = (href: string) => href.replace(/[?&]auth_token=[^&#]*/, '');

describe('omnibox descriptions', () => {
  const hit: DashboardHit = {
    instanceId: 'main',
    instanceName: 'Ops & <Prod>',
    uid: 'x',
    title: `Latency "p99" <b>'SLO'</b>`,
    type: 'dash-db',
    path: '/d/x/latency',
    folderTitle: 'R&D',
    tags: [],
    isStarred: false,
  };

  it('are XML for Chromium: escaped, the match marked, the place dimmed', () => {
    expect(escapeXml(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
    expect(describeHit(hit, 'latency', true)).toBe(
      '<match>Latency</match> &quot;p99&quot; &lt;b&gt;&apos;SLO&apos;&lt;/b&gt; <dim>— R&amp;D · Ops &amp; &lt;Prod&gt;</dim>',
    );
    expect(describeHit(hit, '<b>', true)).toContain('<match>&lt;b&gt;</match>');
  });

  it('are plain text for Firefox', () => {
    expect(describeHit(hit, 'latency', false)).toBe(`Latency "p99" <b>'SLO'</b> — R&D · Ops & <Prod>`);
  });
});

describe('omnibox keyword', () => {
  it('suggests matching dashboards as their URLs, and says what Enter will do', async () => {
    const stack = await signedIn();
    const suggestions = await type('  latency ');
    expect(suggestions.length).toBeGreaterThan(0);
    expect(suggestions[0]!.content).toMatch(new RegExp(`^${url(stack, 'main', '/d/')}`));
    expect(suggestions.every((x) => !x.content.includes('auth_token'))).toBe(true);
    expect(suggestions[0]!.description).toMatch(/<match>Latency<\/match>.*<dim>— .*Main Grafana<\/dim>$/);
    const defaults = vi.mocked(fakeBrowser.omnibox.setDefaultSuggestion).mock.calls.map(([d]) => d.description);
    expect(defaults.at(-1)).toMatch(/^Open <match>.*Latency.*<\/match> \(Main Grafana\) in Grafana$/);
  });

  it("cancels the previous keystroke's search", async () => {
    const stack = await signedIn();
    await type('node'); // tokens cached
    const slow = stack.hold((u) => u.searchParams.get('query') === 'tok');
    let stale: Suggestion[] | undefined;
    void type('tok').then((x) => (stale = x));
    await until(() => expect(stack.calls.filter((c) => c.url.searchParams.get('query') === 'tok')).toHaveLength(2));
    const fresh = await type('token');
    slow.release();
    await new Promise((r) => setTimeout(r, 100));
    expect(stale).toBeUndefined();
    expect(fresh.map((x) => x.description)).toContainEqual(expect.stringContaining('<match>Token</match>'));
    expect(stack.calls.filter((c) => c.url.searchParams.get('query') === 'tok').every((c) => c.init.signal?.aborted)).toBe(true);
  });

  it('opens the chosen suggestion signed in, where the disposition says', async () => {
    const stack = await signedIn();
    const [first] = await type('latency');
    const window = await fakeBrowser.windows.create({ focused: true });
    const current = await fakeBrowser.tabs.create({ windowId: window!.id!, url: 'https://wiki.example/', active: true });
    await enter(first!.content, 'currentTab');
    await until(async () => expect((await fakeBrowser.tabs.get(current.id!)).url).toMatch(/auth_token=ey/));
    expect(withoutToken((await fakeBrowser.tabs.get(current.id!)).url!)).toBe(first!.content);
    await enter(first!.content, 'newBackgroundTab');
    const others = async () => (await fakeBrowser.tabs.query({})).filter((t) => t.url && t.id !== current.id).map((t) => [withoutToken(t.url!), t.active]);
    await until(async () => expect(await others()).toEqual([[first!.content, false]]));
    // Opened from the launcher's list: Recent has it, by title.
    const recent = (await sendAs(popupSender(), { type: 'recentDashboards' })) as { title: string }[];
    expect(recent.map((r) => r.title)).toEqual([expect.stringMatching(/Latency/)]);
    expect(stack.calls.filter((c) => c.url.pathname.endsWith('/api/search'))).toHaveLength(2);
  });

  it('opens the best match for text typed without choosing, else Grafana’s search page', async () => {
    const stack = await signedIn();
    await enter('postgres', 'newForegroundTab');
    await until(async () => expect((await openedUrls()).map(withoutToken)).toEqual([url(stack, 'main', '/d/postgres-overview/postgresql-overview')]));
    await enter('no such dashboard', 'newForegroundTab');
    await until(async () => expect((await openedUrls()).map(withoutToken)).toContain(url(stack, 'main', '/dashboards?query=no%20such%20dashboard')));
  });

  it('signed out: signs in first, then opens the best match', async () => {
    s = await startLauncherStack();
    await startWorker();
    const { syncAccount } = await import('../../extension/background/account-sync');
    await syncAccount();
    await enter('postgres', 'currentTab');
    await until(async () => expect(await openedUrls()).toEqual([`${s!.stack.server.url}/login?return_to=%2F`]));
    const login = (await fakeBrowser.tabs.query({})).find((t) => t.url?.includes('/login'));
    // The user signs in on that tab; the worker sees it come back to the server signed in.
    await s.signIn();
    await fakeBrowser.tabs.update(login!.id!, { url: `${s.stack.server.url}/`, status: 'complete' } as never);
    await until(async () => expect((await openedUrls()).map(withoutToken)).toContain(url(s!, 'main', '/d/postgres-overview/postgresql-overview')), 10_000);
  });
});

describe('context menu search', () => {
  const click = (selectionText: string, pageUrl = 'https://wiki.example/') =>
    events().contextMenus.onClicked.trigger({ menuItemId: searchItemId, selectionText, pageUrl, editable: false });

  it('hands the selection to the popup when the browser opens it', async () => {
    await signedIn();
    vi.mocked(fakeBrowser.action.openPopup).mockResolvedValue(undefined as never);
    await click('  api   errors ');
    expect(fakeBrowser.action.openPopup).toHaveBeenCalled();
    expect(await sendAs(popupSender(), { type: 'takePendingQuery' })).toBe('api errors');
    expect(await sendAs(popupSender(), { type: 'takePendingQuery' })).toBe('');
    expect(await openedUrls()).toEqual([]);
  });

  it('opens the best match where no popup can open, else the search page in the current page’s instance', async () => {
    const stack = await signedIn();
    await click('token server');
    await until(async () => expect((await openedUrls()).map(withoutToken)).toEqual([url(stack, 'main', '/d/token-server/token-server')]));
    expect(await sendAs(popupSender(), { type: 'takePendingQuery' })).toBe('');
    await click('nothing like it', url(stack, 'ops', '/d/x'));
    await until(async () => expect((await openedUrls()).map(withoutToken)).toContain(url(stack, 'ops', '/dashboards?query=nothing%20like%20it')));
  });
});
