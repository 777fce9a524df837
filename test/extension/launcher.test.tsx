// The popup's launcher (extension/popup/Launcher.tsx and friends) in happy-dom: the search port,
// debouncing, the keyboard, the ARIA combobox, each state's words and actions, copy link.
import { fakeBrowser } from '@webext-core/fake-browser';
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DashboardHit, InstanceSearchStatus } from '../../extension/common/launcher';
import type { MessageType, PopupState } from '../../extension/common/messages';
import { highlightIndex, moveHighlight } from '../../extension/popup/launcher-items';
import { fakeSearchPorts } from './fake-port';

const send = vi.fn<(type: MessageType, request?: unknown) => Promise<unknown>>();
vi.mock('../../extension/common/messages', () => ({ send: (type: MessageType, request?: unknown) => send(type, request) }));

const instance = (id: string, name: string, role: 'Editor' | null = 'Editor') => ({
  id,
  name,
  url: `https://${id}.example.com`,
  isDefault: id === 'main',
  role,
  tokenExpiresAt: Date.now() + 200_000,
  keepAlive: true,
});
const oneInstance: PopupState = {
  status: 'signed-in',
  serverUrl: 'https://sso.example.com',
  user: { id: 'u1', login: 'alice', email: 'alice@example.com', name: 'Alice Doe' },
  instances: [instance('main', 'Main Grafana'), instance('ops', 'Ops', null)],
  problem: null,
};
const twoInstances: PopupState = { ...oneInstance, instances: [instance('main', 'Main Grafana'), instance('ops', 'Ops')] };

const hit = (instanceId: string, uid: string, title: string, more: Partial<DashboardHit> = {}): DashboardHit => ({
  instanceId,
  instanceName: instanceId === 'main' ? 'Main Grafana' : 'Ops',
  uid,
  title,
  type: 'dash-db',
  path: `/d/${uid}/${title.toLowerCase().replace(/\W+/g, '-')}`,
  folderTitle: null,
  tags: [],
  isStarred: false,
  ...more,
});
const fine = (...ids: string[]): InstanceSearchStatus[] => ids.map((id) => ({ instanceId: id, instanceName: id === 'main' ? 'Main Grafana' : 'Ops', problem: null, message: null }));

let ports: ReturnType<typeof fakeSearchPorts>;
let handlers: Partial<Record<MessageType, () => unknown>>;

async function renderPopup(state: PopupState) {
  send.mockImplementation(async (type) => {
    const handler = handlers[type];
    if (handler) return handler();
    if (type === 'getState') return state;
    if (type === 'open') return { ok: true, instanceId: 'main' };
    if (type === 'takePendingQuery') return '';
    if (type === 'currentPageLink') return null;
    return null;
  });
  ports = fakeSearchPorts();
  const { Popup } = await import('../../extension/popup/Popup');
  await act(async () => void render(<Popup />));
}

const port = () => ports.at(-1)!;
const box = () => screen.getByRole('combobox', { name: 'Search dashboards' });
const status = () => screen.getByRole('status').textContent;
const type = (text: string) => act(async () => void fireEvent.change(box(), { target: { value: text } }));
const press = (key: string, mods: { ctrlKey?: boolean; metaKey?: boolean } = {}) => act(async () => void fireEvent.keyDown(box(), { key, ...mods }));
const highlighted = () => {
  const id = box().getAttribute('aria-activedescendant');
  return id ? document.getElementById(id)?.querySelector('.title')?.textContent : null;
};
/** Types and lets the debounce pass, so the request is on the port. */
async function search(text: string) {
  await type(text);
  await act(async () => void vi.advanceTimersByTime(130));
}

beforeEach(() => {
  send.mockReset();
  ports = [];
  handlers = {};
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  vi.spyOn(window, 'close').mockImplementation(() => undefined);
});
afterEach(cleanup);

describe('launcher: nothing typed', () => {
  it('focuses the search box and shows the starred dashboards and Recent, each labelled', async () => {
    await renderPopup(oneInstance);
    expect(document.activeElement).toBe(box());
    // The empty query goes out at once: no debounce before the first list.
    expect(port().requests).toEqual([{ seq: 1, query: '' }]);
    expect(screen.getByText('Loading your dashboards…')).toBeTruthy();
    await port().answer({
      hits: [hit('main', 'lat', 'HTTP latency', { isStarred: true, folderTitle: 'Platform' })],
      recent: [{ instanceId: 'main', path: '/d/err/errors', title: 'Errors', openedAt: 1 }],
      instances: fine('main'),
    });
    const starred = screen.getByRole('group', { name: 'Starred' });
    expect(within(starred).getByRole('option').textContent).toBe('★HTTP latencyPlatform');
    expect(within(starred).getByRole('img', { name: 'starred' })).toBeTruthy();
    expect(within(screen.getByRole('group', { name: 'Recent' })).getByRole('option').textContent).toBe('Errors');
    // One reachable instance: its name would be noise on every row.
    expect(within(screen.getByRole('listbox')).queryByText(/Main Grafana/)).toBeNull();
    expect(status()).toBe('2 dashboards: starred and recent');
    // Nothing is highlighted until ↓: Enter on the empty box opens Grafana's home, as before.
    expect(highlighted()).toBeNull();
    await press('Enter');
    expect(send).toHaveBeenCalledWith('open', { instanceId: 'main' });
    expect(window.close).toHaveBeenCalled();
  });

  it('says what to do when there is nothing starred or recent', async () => {
    await renderPopup(oneInstance);
    await port().answer({ instances: fine('main') });
    expect(screen.getByText(/No starred or recent dashboards yet: type to search/)).toBeTruthy();
  });

  it('prefills the query the context menu left ("Search Grafana for …")', async () => {
    handlers.takePendingQuery = () => 'latency';
    await renderPopup(oneInstance);
    expect((box() as HTMLInputElement).value).toBe('latency');
    await act(async () => void vi.advanceTimersByTime(130));
    expect(port().requests.at(-1)).toEqual({ seq: 2, query: 'latency' });
  });
});

describe('launcher: typing', () => {
  it('debounces the query, drops stale answers, and shows title, folder and instance', async () => {
    await renderPopup(twoInstances);
    await port().answer({ instances: fine('main', 'ops') });
    await type('l');
    await type('la');
    await type('lat');
    await act(async () => void vi.advanceTimersByTime(129));
    expect(port().requests).toHaveLength(1);
    await act(async () => void vi.advanceTimersByTime(1));
    expect(port().requests).toEqual([{ seq: 1, query: '' }, { seq: 2, query: 'lat' }]);

    // An answer for an older request (the worker had not seen the cancel yet) is dropped.
    await act(async () => {
      await port().port.onMessage.trigger({ seq: 1, query: '', hits: [hit('main', 'old', 'Old')], recent: [], instances: [], done: true });
    });
    expect(screen.queryByText('Old')).toBeNull();

    // Instances answer one by one, each answer all that is known so far; the count is announced once all answered.
    await port().answer({ hits: [hit('main', 'lat', 'HTTP latency', { folderTitle: 'Platform' })], instances: fine('main'), done: false });
    expect(screen.getAllByRole('option').map((o) => o.textContent)).toEqual(['HTTP latencyPlatform · Main Grafana']);
    expect(status()).toBe('');
    await port().answer({ hits: [hit('main', 'lat', 'HTTP latency', { folderTitle: 'Platform' }), hit('ops', 'lat2', 'Latency SLO', { isStarred: true })], instances: fine('main', 'ops'), done: true });
    expect(screen.getAllByRole('option').map((o) => o.textContent)).toEqual(['HTTP latencyPlatform · Main Grafana', '★Latency SLODashboards · Ops']);
    expect(status()).toBe('2 dashboards found');
  });

  it('keyboard: first result highlighted, ↑/↓ without wrapping, Enter opens signed in and closes', async () => {
    await renderPopup(twoInstances);
    await search('lat');
    await port().answer({ hits: [hit('main', 'a', 'Alpha'), hit('main', 'b', 'Beta'), hit('ops', 'c', 'Gamma')], instances: fine('main', 'ops') });
    expect(box().getAttribute('aria-expanded')).toBe('true');
    expect(highlighted()).toBe('Alpha');
    expect(screen.getByRole('option', { selected: true }).textContent).toContain('Alpha');
    await press('ArrowDown');
    await press('ArrowDown');
    expect(highlighted()).toBe('Gamma');
    await press('ArrowDown');
    expect(highlighted()).toBe('Gamma');
    await press('ArrowUp');
    expect(highlighted()).toBe('Beta');
    await press('Enter');
    expect(send).toHaveBeenCalledWith('open', { instanceId: 'main', path: '/d/b/beta', title: 'Beta', background: false });
    expect(window.close).toHaveBeenCalled();
  });

  it('Ctrl/⌘+Enter opens in the background, keeps the popup and announces it', async () => {
    await renderPopup(twoInstances);
    await search('gam');
    await port().answer({ hits: [hit('ops', 'c', 'Gamma')], instances: fine('main', 'ops') });
    await press('Enter', { ctrlKey: true });
    expect(send).toHaveBeenCalledWith('open', { instanceId: 'ops', path: '/d/c/gamma', title: 'Gamma', background: true });
    await press('Enter', { metaKey: true });
    expect(send.mock.calls.filter(([t, r]) => t === 'open' && (r as { background?: boolean }).background === true)).toHaveLength(2);
    expect(window.close).not.toHaveBeenCalled();
    expect(status()).toBe('Opened Gamma in the background');
  });

  it('Esc clears the query, and closes the popup when it is already empty', async () => {
    await renderPopup(oneInstance);
    await search('lat');
    await press('Escape');
    expect((box() as HTMLInputElement).value).toBe('');
    expect(window.close).not.toHaveBeenCalled();
    await press('Escape');
    expect(window.close).toHaveBeenCalled();
  });

  it('the mouse works too: hover highlights, click opens, Ctrl+click opens in the background', async () => {
    await renderPopup(oneInstance);
    await search('x');
    await port().answer({ hits: [hit('main', 'a', 'Alpha'), hit('main', 'b', 'Beta')], instances: fine('main') });
    const beta = screen.getByRole('option', { name: /Beta/ });
    await act(async () => void fireEvent.mouseMove(beta));
    expect(highlighted()).toBe('Beta');
    await act(async () => void fireEvent.click(beta, { ctrlKey: true }));
    expect(send).toHaveBeenCalledWith('open', { instanceId: 'main', path: '/d/b/beta', title: 'Beta', background: true });
    expect(window.close).not.toHaveBeenCalled();
    await act(async () => void fireEvent.click(screen.getByRole('option', { name: /Alpha/ })));
    expect(send).toHaveBeenCalledWith('open', { instanceId: 'main', path: '/d/a/alpha', title: 'Alpha', background: false });
    expect(window.close).toHaveBeenCalled();
  });

  it('a worker stopped mid-search is asked again, once, on a new port; then the popup says it did not answer', async () => {
    await renderPopup(oneInstance);
    await search('lat');
    await port().disconnect();
    expect(ports).toHaveLength(2);
    expect(port().requests).toEqual([{ seq: 3, query: 'lat' }]);
    await port().disconnect();
    expect(ports).toHaveLength(2);
    // Gone again: say so, and let the user try once more.
    expect(screen.getByText(/The extension's background did not answer the search/)).toBeTruthy();
    await act(async () => void fireEvent.click(screen.getByRole('button', { name: 'Retry' })));
    expect(ports).toHaveLength(3);
    expect(port().requests).toEqual([{ seq: 4, query: 'lat' }]);
  });
});

describe('launcher: states that say what to do', () => {
  it('no matches: says so and offers Grafana\'s own search', async () => {
    await renderPopup(oneInstance);
    await search('nothing here');
    await port().answer({ instances: fine('main') });
    expect(screen.getByText('No dashboards match “nothing here”.')).toBeTruthy();
    expect(status()).toBe('No dashboards match nothing here');
    expect(box().getAttribute('aria-expanded')).toBe('false');
    await act(async () => void fireEvent.click(screen.getByRole('button', { name: "Search in Grafana's own search" })));
    expect(send).toHaveBeenCalledWith('open', { instanceId: 'main', path: '/dashboards?query=nothing%20here' });
  });

  it('unreachable (Retry), rejected ([auth.jwt]), no host access (Options), no access, signed out (Sign in)', async () => {
    const openOptions = vi.fn(async () => undefined);
    Object.assign(fakeBrowser.runtime, { openOptionsPage: openOptions });
    const three: PopupState = { ...twoInstances, instances: [...twoInstances.instances, instance('lab', 'Lab'), instance('old', 'Old', null)] };
    await renderPopup(three);
    await search('cpu');
    const problem = (instanceId: string, instanceName: string, p: InstanceSearchStatus['problem'], message: string | null = null) => ({ instanceId, instanceName, problem: p, message });
    await port().answer({
      instances: [
        problem('main', 'Main Grafana', 'unreachable', 'connect ECONNREFUSED'),
        problem('ops', 'Ops', 'rejected', 'HTTP 401'),
        problem('lab', 'Lab', 'no-host-access'),
        problem('old', 'Old', 'no-access'),
      ],
    });
    expect(screen.getByText('Main Grafana did not answer.')).toBeTruthy();
    expect(screen.getByText('connect ECONNREFUSED')).toBeTruthy();
    expect(screen.getByText('Ops refused your token: ask an administrator to check its [auth.jwt] settings.')).toBeTruthy();
    expect(screen.getByText('Lab: the extension may not reach lab.example.com yet.')).toBeTruthy();
    expect(screen.getByText('Not searched, no access: Old. Ask your administrator for a role.')).toBeTruthy();
    // Nowhere answered: no "no matches" that would blame the query.
    expect(screen.queryByText(/No dashboards match/)).toBeNull();

    await act(async () => void fireEvent.click(screen.getByRole('button', { name: 'Retry' })));
    expect(port().requests.at(-1)).toEqual({ seq: 3, query: 'cpu' });
    await act(async () => void fireEvent.click(screen.getByRole('button', { name: 'Open Options to allow access' })));
    expect(openOptions).toHaveBeenCalled();

    await port().answer({ instances: [problem('main', 'Main Grafana', 'signed-out'), problem('ops', 'Ops', 'signed-out')] });
    expect(screen.getAllByText(/You are signed out of the token server/)).toHaveLength(1);
    await act(async () => void fireEvent.click(screen.getByRole('button', { name: 'Sign in' })));
    expect(send).toHaveBeenCalledWith('signIn', undefined);
  });

  it('while an answer is on its way: "Searching…", and the previous list stays', async () => {
    await renderPopup(oneInstance);
    await search('lat');
    expect(screen.getByText('Searching…')).toBeTruthy();
    await port().answer({ hits: [hit('main', 'a', 'Alpha')], instances: fine('main') });
    await search('late');
    expect(screen.getByRole('option', { name: /Alpha/ })).toBeTruthy();
    expect(screen.queryByText('Searching…')).toBeNull();
  });
});

describe('launcher: copy link', () => {
  it('copies the current Grafana page as a link and announces it; hidden when there is none', async () => {
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    handlers.currentPageLink = () => ({ instanceId: 'main', title: 'HTTP latency', link: 'https://sso.example.com/go/main/d/lat/http-latency' });
    await renderPopup(oneInstance);
    await act(async () => void fireEvent.click(screen.getByRole('button', { name: 'Copy link' })));
    expect(writeText).toHaveBeenCalledWith('https://sso.example.com/go/main/d/lat/http-latency');
    expect(status()).toBe('Link copied');
    expect(screen.getByRole('button', { name: 'Link copied' })).toBeTruthy();
    cleanup();

    delete handlers.currentPageLink;
    await renderPopup(oneInstance);
    expect(screen.queryByRole('button', { name: 'Copy link' })).toBeNull();
  });
});

describe('launcher logic', () => {
  it('highlights the first result of a query, nothing in the lists shown with nothing typed, and keeps a move within its answer', () => {
    expect(highlightIndex(null, { seq: 2, query: 'lat' }, 3)).toBe(0);
    expect(highlightIndex(null, { seq: 1, query: '' }, 3)).toBeNull();
    expect(highlightIndex({ seq: 2, index: 5 }, { seq: 2, query: 'lat' }, 3)).toBe(2);
    expect(highlightIndex({ seq: 2, index: null }, { seq: 2, query: 'lat' }, 3)).toBeNull();
    expect(highlightIndex({ seq: 1, index: 2 }, { seq: 2, query: 'lat' }, 3)).toBe(0);
    expect(highlightIndex(null, { seq: 2, query: 'lat' }, 0)).toBeNull();
  });

  it('moves the highlight without wrapping; ↑ from the first returns to the box', () => {
    expect(moveHighlight(null, 'ArrowDown', 3)).toBe(0);
    expect(moveHighlight(2, 'ArrowDown', 3)).toBe(2);
    expect(moveHighlight(0, 'ArrowUp', 3)).toBeNull();
    expect(moveHighlight(null, 'ArrowUp', 3)).toBeNull();
    expect(moveHighlight(null, 'ArrowDown', 0)).toBeNull();
  });
});
