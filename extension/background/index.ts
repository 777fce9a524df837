// The service worker: every listener is registered here, synchronously, at the top level, one
// dispatcher per event. No state lives in globals: everything is in storage.session, alarms and
// session rules, so the browser may stop this worker at any moment.
import browser, { type Alarms, type Menus, type Runtime, type Storage, type Tabs } from 'webextension-polyfill';
import { testBuild } from '../common/build-config';
import { isMessage, isOwnPage, type Handlers, type Message } from '../common/messages';
import { affectsOptions } from '../common/options';
import { freshen, syncAccount } from './account-sync';
import { updateBadge } from './badge';
import { createMenus, onMenuClicked } from './context-menu';
import { dispatchAlarm } from './dispatch-alarm';
import { onGrafanaTabUpdated } from './grafana-tabs';
import { onOmniboxEntered, onOmniboxInput } from './omnibox';
import { dropUngrantedLinkRules } from './header-rules';
import { openGrafana } from './open-grafana';
import { currentPageLink } from './page-link';
import { takePendingQuery } from './pending-query';
import { clearRecent, loadRecent } from './recent';
import { onSearchPort } from './search-port';
import { popupState } from './popup-state';
import { checkServer } from './server-check';
import { finishPendingOpen } from './finish-sign-in';
import { onServerTabUpdated, openSignIn, signOut } from './server-sign-in';
import * as store from './store';

/** Background work must never reject unobserved; the message says what failed, never a token. */
function run(label: string, task: Promise<unknown>): void {
  task.catch((error: unknown) => console.warn(`grafana-sso: ${label} failed:`, error instanceof Error ? error.message : error));
}

const handlers: Handlers = {
  getState: () => {
    // The popup opened (or redraws): have the default instance's token ready for its first click.
    run('popup warm-up', freshen(undefined));
    return popupState();
  },
  refresh: async () => {
    await syncAccount();
    return popupState();
  },
  open: (target) => openGrafana({ instanceId: target.instanceId, path: target.path, title: typeof target.title === 'string' ? target.title : undefined, background: target.background === true }),
  checkServer: () => checkServer(),
  signIn: async () => {
    await openSignIn();
    return null;
  },
  signOut: async () => {
    await signOut();
    return null;
  },
  recentDashboards: async () => loadRecent((await store.load('config'))?.config.instances.map((i) => i.id)),
  clearRecent: async () => {
    await clearRecent();
    return null;
  },
  takePendingQuery: () => takePendingQuery(Date.now()),
  currentPageLink: () => currentPageLink(),
};

function handleMessage(message: unknown, sender: Runtime.MessageSender): Promise<unknown> | undefined {
  if (!isMessage(message) || !isOwnPage(sender, browser.runtime.id, browser.runtime.getURL('/'))) return undefined;
  const handler = handlers[message.type] as (request: Message) => Promise<unknown>;
  return handler(message);
}

browser.runtime.onInstalled.addListener(() => {
  run('install', Promise.all([createMenus(), syncAccount()]));
});

browser.runtime.onStartup.addListener(() => {
  run('startup', syncAccount());
});

browser.runtime.onMessage.addListener((message: unknown, sender: Runtime.MessageSender) => handleMessage(message, sender));

browser.runtime.onConnect.addListener((port: Runtime.Port) => onSearchPort(port));

browser.alarms.onAlarm.addListener((alarm: Alarms.Alarm) => {
  run(`alarm ${alarm.name}`, dispatchAlarm(alarm.name));
});

browser.contextMenus.onClicked.addListener((info: Menus.OnClickData) => {
  run('context menu', onMenuClicked(info));
});

browser.omnibox.onInputChanged.addListener((text: string, suggest: (suggestions: { content: string; description: string }[]) => void) => {
  run('omnibox', onOmniboxInput(text, suggest));
});

browser.omnibox.onInputEntered.addListener((text: string, disposition: string) => {
  run('omnibox', onOmniboxEntered(text, disposition));
});

browser.commands.onCommand.addListener((command: string) => {
  if (command === 'open-grafana') run('shortcut', openGrafana());
});

browser.tabs.onUpdated.addListener((tabId: number, changeInfo: Tabs.OnUpdatedChangeInfoType, tab: Tabs.Tab) => {
  run('tab watch', onServerTabUpdated(changeInfo, tab).then(() => (changeInfo.status === 'complete' ? finishPendingOpen(tabId) : undefined)));
  run('grafana tab', onGrafanaTabUpdated(changeInfo, tab));
});

browser.storage.onChanged.addListener((changes: Record<string, Storage.StorageChange>, areaName: string) => {
  if (affectsOptions(changes, areaName)) run('options change', syncAccount());
  if (areaName === 'session' && ('account' in changes || 'problem' in changes)) run('badge', updateBadge());
});

browser.permissions.onAdded.addListener(() => {
  run('permissions', syncAccount());
});

browser.permissions.onRemoved.addListener(() => {
  run('permissions withdrawn', store.load('config').then((cached) => dropUngrantedLinkRules(cached?.config.instances ?? [])));
});

// Real context menus cannot be clicked in headless Chromium: the browser tests' build lets them call
// the click handler from the worker. Production builds drop this line (testBuild is a constant).
// The omnibox cannot be typed into by the drivers either: its handlers are exposed the same way.
if (testBuild) {
  Object.assign(globalThis, {
    grafanaSsoTest: {
      menuClicked: onMenuClicked,
      omniboxInput: (text: string) => new Promise((resolve) => void onOmniboxInput(text, resolve)),
      omniboxEntered: onOmniboxEntered,
    },
  });
}
