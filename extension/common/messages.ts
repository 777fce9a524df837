// The one message map between the extension's pages (popup, options) and the worker.
import browser, { type Runtime } from 'webextension-polyfill';
import type { GrafanaRole, PublicConfig, PublicUser } from '../../server/contract/index.ts';
import type { PageLink, RecentDashboard } from './launcher';
import type { ServerErrorCode } from './server-api';

export interface InstanceView {
  id: string;
  name: string;
  url: string;
  isDefault: boolean;
  /** The user's role there, null when the user has no access. */
  role: GrafanaRole | null;
  /** Local time (ms) the cached token expires, null when there is none. */
  tokenExpiresAt: number | null;
  /** Host permission for the Grafana origin granted: the header rule can keep tabs signed in. */
  keepAlive: boolean;
}

/** What a shown problem is about: a server call's code, or `extension_error` for the worker's own failures. */
export type ProblemCode = ServerErrorCode | 'extension_error';

export interface PopupState {
  status: 'unconfigured' | 'checking' | 'signed-out' | 'signed-in';
  serverUrl: string;
  user: PublicUser | null;
  instances: InstanceView[];
  /** The server is unreachable or answered nonsense; `retryAt` is local time (ms). */
  problem: { code: ProblemCode; message: string; retryAt: number | null } | null;
}

export interface OpenTarget {
  instanceId?: string;
  /** Path within the instance, '/'-rooted, with its query and fragment. */
  path?: string;
  /** The dashboard's title, kept in Recent (launcher opens). */
  title?: string;
  /** Open in a background tab and keep the popup (Ctrl/Cmd+Enter). */
  background?: boolean;
}

export type OpenResult =
  | { ok: true; instanceId: string }
  | { ok: false; reason: 'unconfigured' | 'signed-out' | 'no-access' | 'unreachable' | 'no-host-access'; message: string };

/** The options page's check of the configured server, made by the worker. */
export type ServerCheck =
  | { ok: true; serverUrl: string; config: PublicConfig; user: PublicUser | null }
  | { ok: false; serverUrl: string; code: ServerErrorCode; message: string };

export interface MessageMap {
  /** Stored state only: answers at once, without a network round trip. */
  getState: { request: Record<string, never>; response: PopupState };
  /** Asks the server again (session, tokens), then answers the new state. */
  refresh: { request: Record<string, never>; response: PopupState };
  open: { request: OpenTarget; response: OpenResult };
  signIn: { request: Record<string, never>; response: null };
  signOut: { request: Record<string, never>; response: null };
  /** The configured server's config and who is signed in there (options page). */
  checkServer: { request: Record<string, never>; response: ServerCheck };
  /** The launcher's Recent list (options page: count and Clear). Searches use the port (launcher.ts). */
  recentDashboards: { request: Record<string, never>; response: RecentDashboard[] };
  clearRecent: { request: Record<string, never>; response: null };
  /** A search the context menu asked the popup to show ('' when none); taking it clears it. */
  takePendingQuery: { request: Record<string, never>; response: string };
  /** The current tab's Grafana page as a /go/ link, null when it is not in a reachable instance. */
  currentPageLink: { request: Record<string, never>; response: PageLink | null };
}

export type MessageType = keyof MessageMap;
export type Message = { [K in MessageType]: { type: K } & MessageMap[K]['request'] }[MessageType];
export type Handlers = { [K in MessageType]: (request: MessageMap[K]['request']) => Promise<MessageMap[K]['response']> };

export const messageTypes: readonly MessageType[] = [
  'getState',
  'refresh',
  'open',
  'signIn',
  'signOut',
  'checkServer',
  'recentDashboards',
  'clearRecent',
  'takePendingQuery',
  'currentPageLink',
];

export function isMessage(value: unknown): value is Message {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string' &&
    messageTypes.includes((value as { type: MessageType }).type)
  );
}

/**
 * Only this extension's own pages may talk to the worker: same extension id, a frame on the
 * extension's origin, and not a web page's tab (no content scripts or web-accessible pages exist,
 * but the check does not rely on that).
 */
export function isOwnPage(sender: Runtime.MessageSender, ownId: string, ownOrigin: string): boolean {
  const origin = ownOrigin.replace(/\/$/, '');
  const onOwnOrigin = (url: string | undefined) => url !== undefined && (url === origin || url.startsWith(`${origin}/`));
  if (sender.id !== ownId || !onOwnOrigin(sender.url)) return false;
  const senderOrigin = (sender as { origin?: string }).origin;
  if (senderOrigin !== undefined && senderOrigin !== origin) return false;
  if (sender.tab?.url !== undefined && !onOwnOrigin(sender.tab.url)) return false;
  return true;
}

/** Sends one typed message to the worker. */
export function send<K extends MessageType>(type: K, ...request: MessageMap[K]['request'] extends Record<string, never> ? [] : [MessageMap[K]['request']]): Promise<MessageMap[K]['response']> {
  return browser.runtime.sendMessage({ type, ...(request[0] ?? {}) }) as Promise<MessageMap[K]['response']>;
}
