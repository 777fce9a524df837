// In-memory versions of the extension APIs @webext-core/fake-browser does not implement, and a fake
// token server speaking docs/api.md.
import { fakeBrowser } from '@webext-core/fake-browser';
import { vi } from 'vitest';
import { fakeDeclarativeNetRequest } from './fake-dnr';

type Listener = (...args: never[]) => unknown;

export function fakeEvent<L extends Listener>() {
  const listeners: L[] = [];
  return {
    addListener: (l: L) => void listeners.push(l),
    removeListener: (l: L) => void listeners.splice(listeners.indexOf(l) >>> 0, 1),
    hasListener: (l: L) => listeners.includes(l),
    removeAllListeners: () => void listeners.splice(0),
    trigger: async (...args: Parameters<L>) => Promise.all(listeners.map((l) => l(...args))),
  };
}

/** The one declarativeNetRequest fake (fake-dnr.ts), also used by the 8-hour simulation. */
export const dnr = fakeDeclarativeNetRequest();
export const sessionRules = dnr.rules;
export const granted = { origins: new Set<string>() };

export function installMissingApis(): void {
  sessionRules.clear();
  granted.origins = new Set(['http://127.0.0.1/*']);
  const api = fakeBrowser as unknown as Record<string, unknown>;
  api.declarativeNetRequest = dnr.api;
  api.contextMenus = {
    create: vi.fn(),
    removeAll: vi.fn(async () => undefined),
    onClicked: fakeEvent(),
  };
  api.commands = { onCommand: fakeEvent() };
  // Like the browsers, a grant or removal that changes something fires onAdded / onRemoved.
  const onAdded = fakeEvent<(p: { origins: string[] }) => void>();
  const onRemoved = fakeEvent<(p: { origins: string[] }) => void>();
  api.permissions = {
    contains: vi.fn(async (p: { origins?: string[] }) => (p.origins ?? []).every((o) => granted.origins.has(o))),
    request: vi.fn(async (p: { origins?: string[] }) => {
      const added = (p.origins ?? []).filter((o) => !granted.origins.has(o));
      for (const o of added) granted.origins.add(o);
      if (added.length) void onAdded.trigger({ origins: added });
      return true;
    }),
    getAll: vi.fn(async () => ({ origins: [...granted.origins], permissions: [] })),
    remove: vi.fn(async (p: { origins?: string[] }) => {
      const removed = (p.origins ?? []).filter((o) => granted.origins.has(o));
      for (const o of removed) granted.origins.delete(o);
      if (removed.length) void onRemoved.trigger({ origins: removed });
      return true;
    }),
    onAdded,
    onRemoved,
  };
  // The launcher's events: the popup's search port, the omnibox keyword; no popup can open here.
  api.omnibox = { setDefaultSuggestion: vi.fn(async () => undefined), onInputChanged: fakeEvent(), onInputEntered: fakeEvent() };
  (fakeBrowser.action as unknown as Record<string, unknown>).openPopup = vi.fn(async () => {
    throw new Error('Could not find an active browser window.');
  });
  const runtime = fakeBrowser.runtime as unknown as Record<string, unknown>;
  runtime.onConnect = fakeEvent();
  runtime.openOptionsPage = vi.fn(async () => undefined);
  runtime.getManifest = () => ({ manifest_version: 3, name: 'test', version: '0', host_permissions: [] });
}

export const serverUrl = 'http://127.0.0.1:7000';

export const instances = [
  { id: 'main', name: 'Main Grafana', url: 'http://127.0.0.1:3000', headerName: 'X-JWT-Assertion', default: true },
  { id: 'ops', name: 'Ops', url: 'https://ops.example.com/grafana/', headerName: 'X-Ops-JWT', default: false },
];

/**
 * A token server after docs/api.md, answering `fetch` in-process. Tokens are "jwt-<n>" so tests can
 * tell them apart; `calls` records every request path.
 */
export function fakeTokenServer() {
  const state = {
    reachable: true,
    signedIn: true,
    roles: { main: 'Editor', ops: 'Viewer' } as Record<string, string>,
    /** What /api/session says, when it should differ from what the token endpoint grants (a role changed in between). */
    sessionRoles: undefined as Record<string, string> | undefined,
    lifetime: 300,
    issued: 0,
    calls: [] as string[],
    headers: [] as Record<string, string>[],
  };
  const json = (status: number, body: unknown) =>
    new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  const user = { id: 'u1', login: 'alice', email: 'alice@example.com', name: 'Alice Doe' };

  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    state.calls.push(`${method} ${url.pathname}`);
    state.headers.push({ ...(init?.headers as Record<string, string>) });
    if (!state.reachable) throw new TypeError('Failed to fetch');
    const needsSession = () => (state.signedIn ? null : json(401, { code: 'session_required', message: 'Sign in', loginUrl: `${serverUrl}/login` }));
    switch (`${method} ${url.pathname}`) {
      case 'GET /api/config':
        return json(200, { issuer: serverUrl, loginUrl: `${serverUrl}/login`, instances });
      case 'GET /api/session':
        return needsSession() ?? json(200, { user, instances: Object.entries(state.sessionRoles ?? state.roles).map(([id, role]) => ({ id, role })) });
      case 'POST /api/token': {
        const denied = needsSession();
        if (denied) return denied;
        const { instance } = JSON.parse(String(init?.body)) as { instance: string };
        const role = state.roles[instance];
        if (!role) return json(403, { code: 'access_denied', message: 'No role' });
        state.issued++;
        return json(200, { token: `jwt-${state.issued}`, expiresAt: 0, expiresIn: state.lifetime, instance, user: { ...user, role } });
      }
      case 'POST /api/logout':
        state.signedIn = false;
        return json(204, null);
      default:
        return json(404, { code: 'not_found', message: 'Not found' });
    }
  });
  return { state, fetch };
}
