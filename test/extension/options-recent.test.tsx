// The options page's Recent count and Clear, with the real worker answering its messages.
import { fakeBrowser } from '@webext-core/fake-browser';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadRecent, recordRecent } from '../../extension/background/recent';
import { sendAs, setUp } from './harness';

afterEach(cleanup);
const settle = () => act(async () => new Promise((resolve) => setTimeout(resolve, 20)));

describe('options page: Recent', () => {
  it('shows how many dashboards Recent holds and clears them', async () => {
    const { sync } = await setUp();
    await sync.syncAccount();
    await recordRecent({ instanceId: 'main', path: '/d/a', title: 'A' }, 1);
    await recordRecent({ instanceId: 'ops', path: '/d/b', title: 'B' }, 2);
    const optionsPage = { id: fakeBrowser.runtime.id, url: fakeBrowser.runtime.getURL('extension/options/index.html') };
    vi.spyOn(fakeBrowser.runtime, 'sendMessage').mockImplementation(((message: unknown) => sendAs(optionsPage, message)) as never);
    const { OptionsPage } = await import('../../extension/options/OptionsPage');
    await act(async () => void render(<OptionsPage />));
    await settle();
    expect(screen.getByText(/^2 remembered\./)).toBeTruthy();
    const clear = screen.getByRole('button', { name: 'Clear recent dashboards' }) as HTMLButtonElement;
    await act(async () => void fireEvent.click(clear));
    await settle();
    expect(await loadRecent()).toEqual([]);
    expect(screen.getByText(/^None remembered\./)).toBeTruthy();
    expect(clear.disabled).toBe(true);
  });
});
