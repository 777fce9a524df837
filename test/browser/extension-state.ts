// What the browser steps read and change inside the extension, the same way in both browsers.
import type { BrowserUnderTest } from './driver';

export interface StoredToken {
  token: string;
  receivedAt: number;
  expiresIn: number;
}
type StoredOptions = { options: Record<string, unknown> };

/** `browser` is read at each call: the steps get it once their beforeAll has launched it. */
export function extensionState(browser: () => BrowserUnderTest) {
  const inExtension = <T, A>(fn: (arg: A) => T | Promise<T>, arg: A) => browser().inExtension(fn, arg);
  return {
    badge: () => inExtension(() => chrome.action.getBadgeText({}), null),
    storedToken: () => inExtension(async () => (await chrome.storage.session.get('token:grafana'))['token:grafana'] as StoredToken | undefined, null),
    headerRuleValues: () =>
      inExtension(async () => (await chrome.declarativeNetRequest.getSessionRules()).filter((r) => r.action.type === 'modifyHeaders').map((r) => r.action.requestHeaders?.[0]?.value), null),
    /** The /go/ link rules' action types (link-rules.ts), sorted. */
    linkRuleTypes: () =>
      inExtension(async () => (await chrome.declarativeNetRequest.getSessionRules()).filter((r) => r.action.type !== 'modifyHeaders').map((r) => r.action.type).sort(), null),
    refreshAlarm: () => inExtension(() => chrome.alarms.get('refresh:grafana'), null),
    /** Merges `patch` into the user's options; `null` resets them to just the server URL. */
    setOptions: (patch: Record<string, unknown> | null) =>
      inExtension(
        (p) =>
          chrome.storage.local
            .get('options')
            .then((o) => chrome.storage.local.set({ options: p ? { ...(o as StoredOptions).options, ...p } : { serverUrl: (o as StoredOptions).options.serverUrl } })),
        patch,
      ),
    /** The context-menu click handler, through the test build's hook (menus cannot be clicked headless). */
    menuClicked: (info: object) =>
      browser().inBackground((scope, i) => (scope as unknown as { grafanaSsoTest: { menuClicked(info: object): Promise<unknown> } }).grafanaSsoTest.menuClicked(i), info),
  };
}
