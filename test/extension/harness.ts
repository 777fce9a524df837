// Loading the background worker into the fake browser, stopping it, and driving it like the browser.
import { fakeBrowser } from '@webext-core/fake-browser';
import { vi } from 'vitest';
import type { Runtime } from 'webextension-polyfill';
import { searchPortName, type SearchAnswer } from '../../extension/common/launcher';
import { fakeEvent, fakeTokenServer, instances, serverUrl } from './fakes';

export const t0 = Date.UTC(2025, 0, 1, 12, 0, 0);

type Worker = typeof import('../../extension/background/index');

/** Configures the server URL, stubs fetch with a fake token server, and starts the worker. */
export async function setUp(options: Record<string, unknown> = {}) {
  userTabs.clear();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(t0);
  const server = fakeTokenServer();
  vi.stubGlobal('fetch', server.fetch);
  await fakeBrowser.storage.local.set({ options: { serverUrl, ...options } });
  const worker = await startWorker();
  const sync = await import('../../extension/background/account-sync');
  return { server, worker, sync };
}

export async function startWorker(): Promise<Worker> {
  return import('../../extension/background/index');
}

/** What the browser does when it stops the worker: listeners and module globals are gone, storage stays. */
export async function restartWorker(): Promise<Worker> {
  const events = [
    fakeBrowser.runtime.onInstalled,
    fakeBrowser.runtime.onStartup,
    fakeBrowser.runtime.onMessage,
    fakeBrowser.alarms.onAlarm,
    fakeBrowser.tabs.onUpdated,
    fakeBrowser.storage.onChanged,
  ] as { removeAllListeners(): void }[];
  for (const event of events) event.removeAllListeners();
  const api = fakeBrowser as unknown as Record<string, Record<string, { removeAllListeners(): void }>>;
  api.contextMenus!.onClicked!.removeAllListeners();
  api.commands!.onCommand!.removeAllListeners();
  api.permissions!.onAdded!.removeAllListeners();
  api.runtime!.onConnect!.removeAllListeners();
  api.omnibox!.onInputChanged!.removeAllListeners();
  api.omnibox!.onInputEntered!.removeAllListeners();
  vi.resetModules();
  return startWorker();
}

/** The sender the browser reports for a message from the popup. */
export function popupSender(): Runtime.MessageSender {
  return { id: fakeBrowser.runtime.id, url: fakeBrowser.runtime.getURL('extension/popup/index.html') };
}

/** Sends a message the way the polyfill delivers it, returning the first listener's answer. */
export async function sendAs(sender: Runtime.MessageSender, message: unknown): Promise<unknown> {
  const answers = await fakeBrowser.runtime.onMessage.trigger(message, sender as never, () => undefined);
  return answers[0];
}

export async function session(): Promise<Record<string, unknown>> {
  return fakeBrowser.storage.session.get();
}

export async function alarmTime(name: string): Promise<number | undefined> {
  return (await fakeBrowser.alarms.get(name))?.scheduledTime;
}

/** Tabs the user opened without the extension (openTab), left out of openedUrls. */
const userTabs = new Set<number>();

/** The tabs the extension opened. */
export async function openedUrls(): Promise<string[]> {
  return (await fakeBrowser.tabs.query({}))
    .filter((t) => !userTabs.has(t.id!))
    .map((t) => t.url ?? '')
    .filter((u) => u !== '' && u !== 'about:blank');
}

/** The user has a Grafana tab open on `path` of an instance (a bookmark, say): returns the tab id. */
export async function openTab(instanceId: string, path = 'd/abc'): Promise<number> {
  const instance = instances.find((i) => i.id === instanceId)!;
  const base = instance.url.endsWith('/') ? instance.url : `${instance.url}/`;
  const tab = await fakeBrowser.tabs.create({ url: `${base}${path}` });
  userTabs.add(tab.id!);
  return tab.id!;
}

/**
 * The user leaves a Grafana tab. (The fake's tabs.remove looks the window up by the tab's id and
 * fails, so the tab goes to about:blank instead: for the worker, the same "no Grafana tab here".)
 */
export async function closeTab(tabId: number): Promise<void> {
  await fakeBrowser.tabs.update(tabId, { url: 'about:blank' });
}

/** A tab open on each instance of the fake server. */
export const openTabs = () => Promise.all(instances.map((i) => openTab(i.id)));

export const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);

/**
 * Waits (in real time: only Date is faked, so the clock stays put) until background work that
 * listeners started without awaiting has produced what `assertion` expects.
 */
export async function until(assertion: () => unknown | Promise<unknown>, timeoutMs = 2000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

/** The popup's search port as the worker sees it (runtime.onConnect): what the worker posted, and the popup's side. */
export async function connectSearchPort(sender: Runtime.MessageSender = popupSender(), name = searchPortName) {
  const onMessage = fakeEvent<(message: unknown) => void>();
  const onDisconnect = fakeEvent<() => void>();
  const answers: SearchAnswer[] = [];
  const port = {
    name,
    sender,
    // Ports carry JSON-like copies, as the browser's do.
    postMessage: (message: SearchAnswer) => void answers.push(structuredClone(message)),
    disconnect: vi.fn(),
    onMessage,
    onDisconnect,
  };
  const onConnect = (fakeBrowser.runtime as unknown as { onConnect: ReturnType<typeof fakeEvent> }).onConnect;
  await onConnect.trigger(port as never);
  return {
    answers,
    port,
    search: (seq: number, query: string) => void onMessage.trigger({ seq, query }),
    send: (message: unknown) => void onMessage.trigger(message),
    close: () => void onDisconnect.trigger(),
    /** The final answer to `seq`, once it came. */
    done: async (seq: number, timeoutMs = 10_000) => {
      let last: SearchAnswer | undefined;
      await until(() => {
        last = answers.find((a) => a.seq === seq && a.done);
        if (!last) throw new Error(`no final answer to ${seq} yet`);
      }, timeoutMs);
      return last!;
    },
  };
}
