// "Staying signed in": an 8-hour browser session with 5-minute tokens, on a fake clock, driving the
// extension's real token code (extension/background/tokens.ts: sync, refresh alarms, header rules)
// in @webext-core/fake-browser against the real token server and the Grafana stand-in.
//
// Runs in its own process (`node --import tsx simulate.ts`): it replaces Date.now — the one clock
// tokens.ts, the token server's OffsetClock and the stand-in's clock all read — and installs the
// fake browser as globalThis.chrome/browser. Prints one JSON line (SessionResult) on stdout.
//
// The browser is simulated second by second: due alarms fire (as index.ts dispatches them), and an
// open Grafana tab calls the stand-in's API every `callEverySeconds` with the header the
// declarativeNetRequest rule would set (the worker's current token). The reference tab is the same
// tab without the extension: only the token that came in its URL.
import { fakeBrowser } from '@webext-core/fake-browser';
import type { DeclarativeNetRequest } from 'webextension-polyfill';

export interface SessionResult {
  hours: number;
  tokenLifetimeSeconds: number;
  callEverySeconds: number;
  extension: { calls: number; rejected: number; tokenRequests: number; worstGapSeconds: number; minSecondsLeft: number; alarmsFired: number };
  urlTokenOnly: { calls: number; rejected: number; firstRejectedAfterSeconds: number | null };
}

const hours = Number(process.env.BENCH_SESSION_HOURS ?? 8);
const lifetime = Number(process.env.BENCH_TOKEN_LIFETIME ?? 300);
const callEvery = Number(process.env.BENCH_CALL_EVERY ?? 30);

// ---- the fake clock: everything below reads Date.now() ----
const start = Date.now();
let now = start;
Date.now = () => now;

// ---- the fake browser, with the APIs it leaves out ----
const sessionRules = new Map<number, DeclarativeNetRequest.Rule>();
Object.assign(fakeBrowser, {
  declarativeNetRequest: {
    getSessionRules: async () => [...sessionRules.values()],
    updateSessionRules: async (o: DeclarativeNetRequest.UpdateSessionRulesOptionsType) => {
      for (const id of o.removeRuleIds ?? []) sessionRules.delete(id);
      for (const rule of o.addRules ?? []) {
        if (sessionRules.has(rule.id)) throw new Error(`Rule with id ${rule.id} already exists`);
        sessionRules.set(rule.id, rule);
      }
    },
  },
});
Object.assign(globalThis, { chrome: fakeBrowser, browser: fakeBrowser });

const { startStack } = await import('../../helpers/stack.ts');
const { signInWithForm } = await import('../../helpers/token-server.ts');
const stack = await startStack({
  settings: { tokenLifetimeSeconds: lifetime },
  users: [{ login: 'alice', password: 'correct horse battery', grants: { grafana: 'Editor' } }],
});
const grafana = stack.grafana.grafana!;
const headerName = grafana.settings.jwt.headerName;

// The browser's cookie jar for the token server: the session cookie from the real sign-in form.
const cookie = await signInWithForm(stack.server.url, 'alice', 'correct horse battery');
const realFetch = globalThis.fetch;
let tokenRequests = 0;
globalThis.fetch = (input: RequestInfo | URL, init: RequestInit = {}) => {
  const url = String(input instanceof Request ? input.url : input);
  if (!url.startsWith(stack.server.url)) return realFetch(input, init);
  if (new URL(url).pathname === '/api/token') tokenRequests++;
  return realFetch(input, { ...init, headers: { ...(init.headers as Record<string, string>), cookie } });
};

await fakeBrowser.storage.local.set({ options: { serverUrl: stack.server.url } });
const tokens = await import('../../../extension/background/tokens.ts');
const { ruleIds } = await import('../../../extension/background/header-rules.ts');

/** The header value the rule sets on the tab's API calls, if any. */
function ruleToken(): string | undefined {
  return sessionRules.get(ruleIds('grafana').subresources)?.action.requestHeaders?.[0]?.value;
}

const expOf = (token: string): number => (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp;

async function apiCall(token: string | undefined): Promise<boolean> {
  const res = await realFetch(`${grafana.url}/api/user`, { headers: token ? { [headerName]: token } : {} });
  await res.arrayBuffer();
  return res.status === 200;
}

// Browser start: what onStartup/onInstalled does.
await tokens.syncAccount();
// The tab both variants open at t = 0: its URL token is the one the extension opens Grafana with.
const opened = await tokens.tokenForOpening(undefined);
if (!opened.ok) throw new Error(`cannot open Grafana: ${opened.message}`);
const urlToken = opened.record.token;

const result: SessionResult = {
  hours,
  tokenLifetimeSeconds: lifetime,
  callEverySeconds: callEvery,
  extension: { calls: 0, rejected: 0, tokenRequests: 0, worstGapSeconds: 0, minSecondsLeft: Number.POSITIVE_INFINITY, alarmsFired: 0 },
  urlTokenOnly: { calls: 0, rejected: 0, firstRejectedAfterSeconds: null },
};

let gapStart: number | undefined;
const end = start + hours * 3600_000;
for (let t = start; t <= end; t += 1000) {
  // The token server's OffsetClock and the stand-in's clock read Date.now(): they move with it.
  now = t;
  for (const alarm of await fakeBrowser.alarms.getAll()) {
    if (alarm.scheduledTime > now) continue;
    // One-shot alarms are gone once they fire; the handler may create the next one under the same name.
    await fakeBrowser.alarms.clear(alarm.name);
    result.extension.alarmsFired++;
    if (alarm.name === tokens.syncAlarm) await tokens.syncAccount();
    else if (alarm.name.startsWith('refresh:')) await tokens.refreshInstance(alarm.name.slice('refresh:'.length));
  }
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
