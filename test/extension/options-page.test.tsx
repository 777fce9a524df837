import { fakeBrowser } from '@webext-core/fake-browser';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MessageType, ServerCheck } from '../../extension/common/messages';
import { granted, instances } from './fakes';

const send = vi.fn<(type: MessageType, request?: unknown) => Promise<unknown>>();
vi.mock('../../extension/common/messages', () => ({ send: (type: MessageType, request?: unknown) => send(type, request) }));

const serverUrl = 'http://sso.example.test:7000';
const config = { issuer: serverUrl, loginUrl: `${serverUrl}/login`, instances };
const signedIn: ServerCheck = { ok: true, serverUrl, config, user: { id: 'u1', login: 'alice', email: 'alice@example.com', name: 'Alice Doe' } };

async function renderOptions(check: ServerCheck = signedIn) {
  send.mockImplementation(async (type) => (type === 'checkServer' ? check : null));
  const { OptionsPage } = await import('../../extension/options/OptionsPage');
  await act(async () => void render(<OptionsPage />));
  await settle();
}
const settle = () => act(async () => new Promise((resolve) => setTimeout(resolve, 20)));
const storedOptions = async () => (await fakeBrowser.storage.local.get('options')).options as Record<string, unknown> | undefined;

beforeEach(() => send.mockReset());
afterEach(cleanup);

describe('options page', () => {
  it('connects: asks for access to the server, saves its URL, and lists its instances through the worker', async () => {
    await renderOptions();
    fireEvent.change(screen.getByLabelText('Token server URL'), { target: { value: `${serverUrl}/` } });
    await act(async () => void fireEvent.click(screen.getByRole('button', { name: 'Save and connect' })));
    await settle();
    expect(granted.origins.has('http://sso.example.test/*')).toBe(true);
    expect(await storedOptions()).toEqual({ serverUrl });
    expect(send).toHaveBeenCalledWith('checkServer', undefined);
    expect(screen.getByRole('cell', { name: 'Main Grafana (server default)' })).toBeTruthy();
    expect(screen.getByText('https://ops.example.com/grafana/')).toBeTruthy();
    expect(screen.getByText('Connected. Now allow access to the Grafana sites below.')).toBeTruthy();
  });

  it('has its level-one heading while the options load, as in every other state', async () => {
    // Storage that has not answered yet: the page is still loading.
    vi.spyOn(fakeBrowser.storage.local, 'get').mockReturnValue(new Promise(() => {}) as never);
    const { OptionsPage } = await import('../../extension/options/OptionsPage');
    render(<OptionsPage />);
    expect(screen.getByText('Loading…')).toBeTruthy();
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Grafana SSO');
    vi.restoreAllMocks();
  });

  it('makes no server call of its own', async () => {
    const fetch = vi.fn(() => Promise.reject(new Error('no')));
    vi.stubGlobal('fetch', fetch);
    await fakeBrowser.storage.local.set({ options: { serverUrl } });
    granted.origins.add('http://sso.example.test/*');
    await renderOptions();
    expect(screen.getByRole('cell', { name: 'Main Grafana (server default)' })).toBeTruthy();
    expect(fetch).not.toHaveBeenCalled();
  });

  it('tells what Test connection found: signed in, signed out, unreachable', async () => {
    await fakeBrowser.storage.local.set({ options: { serverUrl } });
    granted.origins.add('http://sso.example.test/*');
    const cases: [ServerCheck, string][] = [
      [signedIn, 'Server reachable; signed in as Alice Doe (alice).'],
      [{ ...signedIn, user: null }, 'Server reachable; you are not signed in.'],
      [{ ok: false, serverUrl, code: 'unreachable', message: 'Cannot reach the token server' }, 'Server unreachable: Cannot reach the token server'],
    ];
    for (const [check, text] of cases) {
      await renderOptions(check);
      await act(async () => void fireEvent.click(screen.getByRole('button', { name: 'Test connection' })));
      await settle();
      expect(screen.getByText(text)).toBeTruthy();
      cleanup();
    }
  });

  it("shows an administrator's server URL read-only", async () => {
    await fakeBrowser.storage.managed.set({ serverUrl });
    await renderOptions();
    const input = screen.getByLabelText('Token server URL') as HTMLInputElement;
    expect(input.value).toBe(serverUrl);
    expect(input.disabled).toBe(true);
    expect(screen.getByText('🔒 set by your administrator')).toBeTruthy();
  });

  it('the percentage input accepts exactly what the options validator accepts', async () => {
    await renderOptions();
    const percent = () => screen.getByLabelText('Refresh margin in percent of the lifetime') as HTMLInputElement;
    expect(percent().value).toBe('20');
    expect(percent().max).toBe('90');
    await act(async () => void fireEvent.change(percent(), { target: { value: '30' } }));
    await settle();
    expect((await storedOptions())?.refreshMarginRatio).toBe(0.3);
    for (const bad of ['95', '-1', '']) {
      await act(async () => void fireEvent.change(percent(), { target: { value: bad } }));
      await settle();
      expect(screen.getByRole('alert').textContent, bad).toBe('Enter a number from 0 to 90.');
      expect((await storedOptions())?.refreshMarginRatio, bad).toBe(0.3);
    }
    await act(async () => void fireEvent.change(percent(), { target: { value: '90' } }));
    await settle();
    expect((await storedOptions())?.refreshMarginRatio).toBe(0.9);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('warns when tokens stay out of URLs but the Grafana sites are not allowed', async () => {
    await fakeBrowser.storage.local.set({ options: { serverUrl, keepTokensOutOfUrls: true } });
    granted.origins.add('http://sso.example.test/*');
    await renderOptions();
    expect(screen.getAllByRole('alert').map((a) => a.textContent)).toContainEqual(expect.stringMatching(/cannot be opened signed in until you allow access/));
  });

  it('says when access to the token server is missing (Firefox users can withdraw it), and not before it knows', async () => {
    await fakeBrowser.storage.local.set({ options: { serverUrl } });
    granted.origins.clear();
    send.mockImplementation(async () => null);
    const { OptionsPage } = await import('../../extension/options/OptionsPage');
    render(<OptionsPage />);
    expect(screen.queryByRole('alert')).toBeNull();
    await settle();
    expect(screen.getByRole('alert').textContent).toBe(
      'The extension has no access to http://sso.example.test:7000, the token server: press the button above to allow it. Until then it cannot sign you in or get tokens.',
    );
    await act(async () => void fireEvent.click(screen.getByRole('button', { name: 'Save and connect' })));
    await settle();
    expect([...granted.origins]).toEqual(['http://sso.example.test/*']);
    expect(screen.queryByText(/has no access to/)).toBeNull();
  });

  it('names exactly the Grafana instances whose access is missing', async () => {
    await fakeBrowser.storage.local.set({ options: { serverUrl } });
    granted.origins = new Set(['http://sso.example.test/*', 'http://127.0.0.1/*']);
    await renderOptions();
    expect(screen.getByRole('alert').textContent).toBe(
      'No access to Ops (https://ops.example.com): Grafana still opens signed in by the token in its URL, but open tabs there do not stay signed in.',
    );
    await act(async () => void fireEvent.click(screen.getByRole('button', { name: 'Allow access to these Grafana sites' })));
    await settle();
    expect(granted.origins.has('https://ops.example.com/*')).toBe(true);
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByText('Access granted: open Grafana tabs stay signed in.')).toBeTruthy();
  });
});
