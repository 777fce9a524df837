// "Staying signed in": an 8-hour browser session with 5-minute tokens, on a simulated clock, driving
// the extension's real worker code (account sync, token cache, the in-use check, refresh alarms through
// the real dispatchAlarm, header rules, opening Grafana) in @webext-core/fake-browser against the real
// token server and the Grafana stand-in.
//
// Runs in its own process (`node --import tsx simulate.ts`), because the webextension polyfill needs
// the fake browser as globalThis.chrome/browser. Time is one simulated clock handed to all three: the
// token server (createApp's clock), the stand-in (its clock option) and the worker (its deps); nothing
// global is replaced. Prints one JSON line (SessionResult) on stdout.
//
// The scenario: the user can reach BENCH_SESSION_INSTANCES Grafana instances (default 1) and opens the
// first one through the extension at t = 0; with BENCH_SESSION_TAB=open (the default) that tab stays
// open all session, with BENCH_SESSION_TAB=none it is closed at once. The browser is simulated second by
// second: due alarms fire, and an open Grafana tab calls the stand-in's API every `callEverySeconds` with
// the headers the session rules give that request (the declarativeNetRequest fake the unit tests use,
// test/extension/fake-dnr.ts). The reference tab is the same tab without the extension: only the token
// that came in its URL.
import { fakeBrowser } from '@webext-core/fake-browser';
import { fakeDeclarativeNetRequest } from '../../extension/fake-dnr.ts';

export interface SessionResult {
  hours: number;
  instances: number;
  tabOpen: boolean;
  tokenLifetimeSeconds: number;
  callEverySeconds: number;
  extension: { calls: number; rejected: number; tokenRequests: number; worstGapSeconds: number; minSecondsLeft: number; alarmsFired: number };
  urlTokenOnly: { calls: number; rejected: number; firstRejectedAfterSeconds: number | null };
}

const hours = Number(process.env.BENCH_SESSION_HOURS ?? 8);
const lifetime = Number(process.env.BENCH_TOKEN_LIFETIME ?? 300);
const callEvery = Number(process.env.BENCH_CALL_EVERY ?? 30);
const instanceCount = Number(process.env.BENCH_SESSION_INSTANCES ?? 1);
const tabOpen = (process.env.BENCH_SESSION_TAB ?? 'open') !== 'none';
const instanceIds = Array.from({ length: instanceCount }, (_, i) => (i === 0 ? 'grafana' : `grafana${i + 1}`));

// ---- the simulated clock, shared by the server, the stand-in and the worker ----
const start = Date.now();
let now = start;
const clock = {
  now: () => now,
  advanceMs: (ms: number) => void (now += ms),
  advanceSeconds: (seconds: number) => (now += seconds * 1000),
};

// ---- the fake browser, with the one declarativeNetRequest fake ----
const dnr = fakeDeclarativeNetRequest();
Object.assign(fakeBrowser, { declarativeNetRequest: dnr.api });
Object.assign(globalThis, { chrome: fakeBrowser, browser: fakeBrowser });

const { startStack } = await import('../../helpers/stack.ts');
const { signInWithForm } = await import('../../helpers/token-server.ts');
const stack = await startStack({
  clock,
  standin: { clock },
  settings: { tokenLifetimeSeconds: lifetime },
  instances: instanceIds.map((id) => ({ id })),
  users: [{ login: 'alice', password: 'correct horse battery', grants: Object.fromEntries(instanceIds.map((id) => [id, 'Editor' as const])) }],
});
// The tab is on the first instance.
const grafana = stack.grafana.grafana!;
const headerName = grafana.settings.jwt.headerName;

// The browser's cookie jar for the token server: the session cookie from the real sign-in form.
const cookie = await signInWithForm(stack.server.url, 'alice', 'correct horse battery');
let tokenRequests = 0;
const worker = {
  clock,
  fetch: (input: RequestInfo | URL, init: RequestInit = {}) => {
    if (new URL(String(input)).pathname === '/api/token') tokenRequests++;
    return fetch(input, { ...init, headers: { ...(init.headers as Record<string, string>), cookie } });
  },
};

await fakeBrowser.storage.local.set({ options: { serverUrl: stack.server.url } });
const { syncAccount } = await import('../../../extension/background/account-sync.ts');
const { dispatchAlarm } = await import('../../../extension/background/dispatch-alarm.ts');
const { openGrafana } = await import('../../../extension/background/open-grafana.ts');

/** The header the session rules set on the tab's API calls (a fetch by the Grafana page), if any. */
const ruleToken = (): string | undefined => dnr.headersFor({ url: `${grafana.url}/api/user`, type: 'xmlhttprequest', initiator: grafana.url })[headerName];

const expOf = (token: string): number => (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp;

async function apiCall(token: string | undefined): Promise<boolean> {
  const res = await fetch(`${grafana.url}/api/user`, { headers: token ? { [headerName]: token } : {} });
  await res.arrayBuffer();
  return res.status === 200;
}

// Browser start: what onStartup/onInstalled does.
await syncAccount(worker);
// The tab both variants open at t = 0, through the real opening: its URL token is the one the
// extension opens Grafana with.
const opened = await openGrafana({ instanceId: 'grafana' }, worker);
if (!opened.ok) throw new Error(`cannot open Grafana: ${opened.message}`);
const tab = (await fakeBrowser.tabs.query({})).find((t) => t.url?.startsWith(grafana.url));
const urlToken = new URL(tab!.url!).searchParams.get('auth_token')!;
// Closed at once: the fake's tabs.remove is broken (it looks the window up by the tab id), and a tab
// on about:blank is the same "no Grafana tab" for the worker.
if (!tabOpen) await fakeBrowser.tabs.update(tab!.id!, { url: 'about:blank' });

const result: SessionResult = {
  hours,
  instances: instanceCount,
  tabOpen,
  tokenLifetimeSeconds: lifetime,
  callEverySeconds: callEvery,
  extension: { calls: 0, rejected: 0, tokenRequests: 0, worstGapSeconds: 0, minSecondsLeft: Number.POSITIVE_INFINITY, alarmsFired: 0 },
  urlTokenOnly: { calls: 0, rejected: 0, firstRejectedAfterSeconds: null },
};

let gapStart: number | undefined;
const end = start + hours * 3600_000;
for (let t = start; t <= end; t += 1000) {
  now = t;
  for (const alarm of await fakeBrowser.alarms.getAll()) {
    if (alarm.scheduledTime > now) continue;
    // One-shot alarms are gone once they fire; the handler may create the next one under the same name.
    await fakeBrowser.alarms.clear(alarm.name);
    result.extension.alarmsFired++;
    await dispatchAlarm(alarm.name, worker);
  }
  // Without a tab nothing calls Grafana: only the token requests count.
  if (!tabOpen) continue;
  const header = ruleToken() ?? urlToken;
  const left = expOf(header) - Math.floor(now / 1000);
  result.extension.minSecondsLeft = Math.min(result.extension.minSecondsLeft, left);
  const valid = left > 0;
  if (!valid) gapStart ??= now;
  else if (gapStart !== undefined) {
    result.extension.worstGapSeconds = Math.max(result.extension.worstGapSeconds, (now - gapStart) / 1000);
    gapStart = undefined;
  }
  if ((t - start) % (callEvery * 1000) === 0) {
    result.extension.calls++;
    if (!(await apiCall(header))) result.extension.rejected++;
    result.urlTokenOnly.calls++;
    if (!(await apiCall(urlToken))) {
      result.urlTokenOnly.rejected++;
      result.urlTokenOnly.firstRejectedAfterSeconds ??= (t - start) / 1000;
    }
  }
}
if (gapStart !== undefined) result.extension.worstGapSeconds = Math.max(result.extension.worstGapSeconds, (now - gapStart) / 1000);
result.extension.tokenRequests = tokenRequests;

await stack.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
