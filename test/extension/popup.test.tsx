import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MessageType, PopupState } from '../../extension/common/messages';
import { fakeSearchPorts } from './fake-port';

const send = vi.fn<(type: MessageType, request?: unknown) => Promise<unknown>>();
vi.mock('../../extension/common/messages', () => ({ send: (type: MessageType, request?: unknown) => send(type, request) }));

const signedIn: PopupState = {
  status: 'signed-in',
  serverUrl: 'http://127.0.0.1:7000',
  user: { id: 'u1', login: 'alice', email: 'alice@example.com', name: 'Alice Doe' },
  instances: [
    { id: 'main', name: 'Main Grafana', url: 'http://127.0.0.1:3000', isDefault: true, role: 'Editor', tokenExpiresAt: Date.now() + 125_000, keepAlive: true },
    { id: 'ops', name: 'Ops', url: 'https://ops.example.com', isDefault: false, role: null, tokenExpiresAt: null, keepAlive: false },
  ],
  problem: null,
};

async function renderPopup(state: PopupState, refreshed: PopupState = state) {
  send.mockImplementation(async (type) => {
    if (type === 'getState') return state;
    if (type === 'refresh') return refreshed;
    if (type === 'open') return { ok: true, instanceId: 'main' };
    return null;
  });
  fakeSearchPorts();
  const { Popup } = await import('../../extension/popup/Popup');
  await act(async () => void render(<Popup />));
}

beforeEach(() => {
  send.mockReset();
  vi.spyOn(window, 'close').mockImplementation(() => undefined);
});
afterEach(cleanup);

describe('popup', () => {
  it('shows who you are, the role per instance and the time left on the token', async () => {
    await renderPopup(signedIn);
    expect(screen.getByText('Alice Doe')).toBeTruthy();
    expect(screen.getByText(/alice · alice@example.com/)).toBeTruthy();
    expect(screen.getByText('Editor')).toBeTruthy();
    expect(screen.getByText(/token 2:0\d left/)).toBeTruthy();
    expect(screen.getByText('no access')).toBeTruthy();
    expect(send).not.toHaveBeenCalledWith('refresh', undefined);
  });

  it('opens the default instance with the button and with Enter on the empty search box', async () => {
    await renderPopup(signedIn);
    fireEvent.click(screen.getByRole('button', { name: 'Open Grafana' }));
    await act(async () => undefined);
    expect(send).toHaveBeenCalledWith('open', { instanceId: 'main' });
    expect(window.close).toHaveBeenCalled();
    send.mockClear();
    // Nothing typed, nothing highlighted: Enter in the search box opens it too.
    await act(async () => void fireEvent.keyDown(screen.getByRole('combobox'), { key: 'Enter' }));
    expect(send).toHaveBeenCalledWith('open', { instanceId: 'main' });
  });

  it('asks to sign in when signed out, after checking with the server', async () => {
    await renderPopup({ ...signedIn, status: 'checking', user: null, instances: [] }, { ...signedIn, status: 'signed-out', user: null });
    expect(send).toHaveBeenCalledWith('refresh', undefined);
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await act(async () => undefined);
    expect(send).toHaveBeenCalledWith('signIn', undefined);
  });

  it('explains an unreachable server, no access and no configuration', async () => {
    await renderPopup({ ...signedIn, status: 'checking', user: null, problem: { code: 'unreachable', message: 'Cannot reach http://127.0.0.1:7000', retryAt: Date.now() + 30_000 } });
    expect(screen.getByText('The token server is unreachable.')).toBeTruthy();
    expect(screen.getByText(/Retrying in 0:[23]\d/)).toBeTruthy();
    cleanup();

    await renderPopup({ ...signedIn, instances: signedIn.instances.map((i) => ({ ...i, role: null })) });
    expect(screen.getByText(/no access to any Grafana instance/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Open Grafana' })).toBeNull();
    cleanup();

    await renderPopup({ ...signedIn, status: 'unconfigured', serverUrl: '', user: null, instances: [] });
    expect(screen.getByText(/No token server is configured/)).toBeTruthy();
  });
});
