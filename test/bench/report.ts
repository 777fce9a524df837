// Renders the benchmark's one table (markdown) from its results: each figure beside the reference
// measured in the same run, the ratio, the target and whether it is met.
import type { ClickResult } from './click/click.ts';
import type { ProfileSummary } from './cpu-profile.ts';
import type { Footprint } from './footprint.ts';
import type { LauncherResult, LauncherTiming } from './launcher/launcher.ts';
import type { Machine } from './machine.ts';
import type { SignRate } from './sign-rate.ts';
import type { SessionResult } from './staying-signed-in/simulate.ts';
import { fmt, median, ratio } from './stats.ts';
import type { LoadResult, Spread } from './token-endpoint/load.ts';

export interface BenchResults {
  machine: Machine;
  settings: { runs: number; secondsPerRun: number; connections: number; users: number; clickIterations: number };
  /** The measurements, or why they were not taken (wrk missing). */
  tokenEndpoint?: LoadResult | string;
  /** The same on PostgreSQL with two server processes sharing one database. */
  tokenEndpointPostgres?: LoadResult;
  signing?: { jose: SignRate; mintToken: SignRate };
  profile?: ProfileSummary & { work: Record<string, number> };
  click?: ClickResult;
  launcher?: LauncherResult;
  /** The staying-signed-in simulation's scenarios; the first has one Grafana tab open. */
  sessions?: SessionResult[];
  footprint?: Footprint;
}

type Row = [area: string, measure: string, value: string, reference: string, ratio: string, target: string, met: string];

const yes = (ok: boolean) => (ok ? '✅ met' : '❌ not met');
/** A median with the spread of the runs: "1,234 (1,100–1,300)". */
const spreadOf = (x: Spread, decimals = 0) => `${fmt(x.median, decimals)} (${fmt(x.min, decimals)}–${fmt(x.max, decimals)})`;
const kB = (bytes: number) => `${fmt(bytes / 1000, 1)} kB`;

export function renderTable(r: BenchResults): string {
  const rows: Row[] = [];
  const t = r.tokenEndpoint;
  if (typeof t === 'string') rows.push(['1 token endpoint', 'not measured', t, '', '', '', '']);
  else if (t) {
    const c = t.constant;
    const k = t.token;
    const ms = (x: Spread) => `${spreadOf(x, 1)} ms`;
    rows.push(
      ['1 token endpoint', 'POST /api/token, requests/s (wrk, saturated)', spreadOf(k.requestsPerSecond), `constant JSON, same app: ${spreadOf(c.requestsPerSecond)}`, spreadOf(t.throughputRatio, 2), '≥ 0.60', yes(t.throughputRatio.median >= 0.6)],
      ['', 'latency p50', ms(k.p50Ms), ms(c.p50Ms), fmt(ratio(k.p50Ms.median, c.p50Ms.median), 2), '', ''],
      ['', 'latency p99', ms(k.p99Ms), ms(c.p99Ms), spreadOf(t.p99Ratio, 2), '≤ 2.00', yes(t.p99Ratio.median <= 2)],
      ['', 'latency p99.9', ms(k.p999Ms), ms(c.p999Ms), fmt(ratio(k.p999Ms.median, c.p999Ms.median), 2), '', ''],
      ['', `admission of wrk's ${r.settings.connections} new connections (first to last accepted)`, ms(k.admissionMs), ms(c.admissionMs), fmt(ratio(k.admissionMs.median, c.admissionMs.median), 2), '', ''],
      ['', 'event-loop delay, worst in a run', ms(k.loopDelayMaxMs), ms(c.loopDelayMaxMs), fmt(ratio(k.loopDelayMaxMs.median, c.loopDelayMaxMs.median), 2), '', ''],
      ['', 'server CPU per request (all threads)', `${spreadOf(k.serverCpuUsPerRequest)} µs`, `${spreadOf(c.serverCpuUsPerRequest)} µs`, fmt(ratio(k.serverCpuUsPerRequest.median, c.serverCpuUsPerRequest.median), 2), '', ''],
      ['', 'fresh token per request', `${fmt(t.distinctJti)} distinct jti / ${fmt(t.minted)} minted`, `${fmt(t.tokenOk)} answered 200`, '', 'one jti each', yes(t.distinctJti === t.minted && t.minted >= t.tokenOk)],
    );
  }
  const pg = r.tokenEndpointPostgres;
  if (pg) {
    const c = pg.constant;
    const k = pg.token;
    const ms = (x: Spread) => `${spreadOf(x, 1)} ms`;
    const area = `1b token endpoint, PostgreSQL, ${pg.processes} server processes`;
    rows.push(
      [area, 'POST /api/token, requests/s (wrk per process, connections split)', spreadOf(k.requestsPerSecond), `constant JSON, same processes: ${spreadOf(c.requestsPerSecond)}`, spreadOf(pg.throughputRatio, 2), '≥ 0.60', yes(pg.throughputRatio.median >= 0.6)],
      ['', 'latency p50', ms(k.p50Ms), ms(c.p50Ms), fmt(ratio(k.p50Ms.median, c.p50Ms.median), 2), '', ''],
      ['', 'latency p99', ms(k.p99Ms), ms(c.p99Ms), spreadOf(pg.p99Ratio, 2), '≤ 2.00', yes(pg.p99Ratio.median <= 2)],
      ['', 'latency p99.9', ms(k.p999Ms), ms(c.p999Ms), fmt(ratio(k.p999Ms.median, c.p999Ms.median), 2), '', ''],
      ['', 'server CPU per request (both processes, all threads)', `${spreadOf(k.serverCpuUsPerRequest)} µs`, `${spreadOf(c.serverCpuUsPerRequest)} µs`, fmt(ratio(k.serverCpuUsPerRequest.median, c.serverCpuUsPerRequest.median), 2), '', ''],
      ['', 'fresh token per request', `${fmt(pg.distinctJti)} distinct jti / ${fmt(pg.minted)} minted`, `${fmt(pg.tokenOk)} answered 200`, '', 'one jti each', yes(pg.distinctJti === pg.minted && pg.minted >= pg.tokenOk)],
    );
    if (t && typeof t !== 'string') {
      const engines = ratio(k.requestsPerSecond.median, t.token.requestsPerSecond.median);
      rows.push(['', `token requests/s: PostgreSQL ${pg.processes} processes ÷ SQLite 1 process`, fmt(k.requestsPerSecond.median), `SQLite: ${fmt(t.token.requestsPerSecond.median)}`, fmt(engines, 2), '≥ 1.00', yes(engines >= 1)]);
    }
  }
  if (r.signing) {
    const { jose, mintToken } = r.signing;
    rows.push(['', 'ES256 signing alone, one process (the server\'s mintToken, node:crypto)', `${fmt(mintToken.tokensPerSecond)}/s (${fmt(mintToken.microsPerToken)} µs)`, `jose: ${fmt(jose.tokensPerSecond)}/s (${fmt(jose.microsPerToken)} µs)`, fmt(ratio(mintToken.tokensPerSecond, jose.tokensPerSecond), 2), '', '']);
    if (t && typeof t !== 'string') rows.push(['', 'token endpoint ÷ jose signing rate', fmt(t.token.requestsPerSecond.median), `${fmt(jose.tokensPerSecond)}/s`, fmt(ratio(t.token.requestsPerSecond.median, jose.tokensPerSecond), 2), '', '']);
  }
  const c = r.click;
  if (c) {
    rows.push(
      ['2 click → signed-in Grafana', 'cached token: click → first signed-in API call (median)', `${fmt(c.cached.totalMs)} ms`, `plain new tab with URL token: ${fmt(c.reference.totalMs)} ms`, fmt(ratio(c.cached.totalMs, c.reference.totalMs), 2), '≤ 50 ms', yes(c.cached.totalMs <= 50)],
      ['', 'cached token: click → Grafana page requested', `${fmt(c.cached.pageMs)} ms`, `${fmt(c.reference.pageMs)} ms`, fmt(ratio(c.cached.pageMs, c.reference.pageMs), 2), '', ''],
      ['', 'no token cached: click → first signed-in API call', `${fmt(c.uncached.totalMs)} ms`, `${fmt(c.reference.totalMs)} ms`, fmt(ratio(c.uncached.totalMs, c.reference.totalMs), 2), '', ''],
      ['', 'no token cached: click → Grafana page requested', `${fmt(c.uncached.pageMs)} ms`, `${fmt(c.reference.pageMs)} ms`, fmt(ratio(c.uncached.pageMs, c.reference.pageMs), 2), '', ''],
    );
  }
  const l = r.launcher;
  if (l) {
    // Median (lowest–highest round), as the token rows show them.
    const ms = (pick: (t: LauncherTiming) => number) => {
      const v = l.runs.map(pick);
      return `${fmt(median(v))} (${fmt(Math.min(...v))}–${fmt(Math.max(...v))}) ms`;
    };
    const reference = `popup's own first render: ${ms((t) => t.firstRenderMs)}`;
    rows.push(
      ['2b launcher (cached token)', 'popup opened → starred list visible', ms((t) => t.starredMs), reference, fmt(ratio(l.starredMs, l.firstRenderMs), 2), '', ''],
      ['', `keystroke → results visible (includes the ${l.debounceMs} ms debounce)`, ms((t) => t.keystrokeMs), reference, fmt(ratio(l.keystrokeMs, l.firstRenderMs), 2), '', ''],
    );
  }
  const sessions = r.sessions ?? [];
  const s = sessions.find((x) => x.tabOpen && x.instances === 1);
  if (s) {
    const e = s.extension;
    rows.push(
      ['3 staying signed in', `${s.hours} h, ${s.tokenLifetimeSeconds / 60}-min tokens, an API call every ${s.callEverySeconds} s: rejected`, `${e.rejected} of ${e.calls}`, `URL token only: ${s.urlTokenOnly.rejected} of ${s.urlTokenOnly.calls}`, '', '0', yes(e.rejected === 0)],
      ['', 'worst time without a valid header', `${fmt(e.worstGapSeconds)} s`, `least validity left when replaced: ${fmt(e.minSecondsLeft)} s`, '', '', ''],
    );
  }
  for (const x of sessions) {
    const perHour = x.extension.tokenRequests / x.hours;
    const before = previousWorkerPerHour(x);
    const what = x.tabOpen
      ? x.instances === 1
        ? 'one Grafana tab open all day'
        : `${x.instances} instances, a tab open on one all day`
      : `${x.instances === 1 ? 'one instance' : `${x.instances} instances`}, Grafana opened once at start, tab closed at once`;
    const rejected = x.tabOpen && x.instances > 1 ? ` (rejected: ${x.extension.rejected} of ${x.extension.calls})` : '';
    rows.push(['', `token requests per hour per browser: ${what}${rejected}`, fmt(perHour, 2), `every reachable instance kept fresh (previous worker, computed): ${fmt(before, 2)}`, fmt(ratio(perHour, before), 3), '', '']);
  }
  const f = r.footprint;
  if (f) {
    rows.push(
      ['4 footprint', `popup JS (${f.popup.files.length} files)`, `${kB(f.popup.gzipBytes)} gzip`, `${kB(f.popup.rawBytes)} raw`, '', '≤ 80 kB gzip', yes(f.popup.gzipBytes <= 80_000)],
      ['', `worker JS (${f.worker.files.length} files)`, `${kB(f.worker.gzipBytes)} gzip`, `${kB(f.worker.rawBytes)} raw`, '', '≤ 20 kB gzip', yes(f.worker.gzipBytes <= 20_000)],
      ['', 'permissions', f.permissions.join(', '), `host: ${f.hostPermissions.join(', ') || 'none'}; optional host: ${f.optionalHostPermissions.join(', ') || 'none'}`, '', '', ''],
    );
  }
  const header: Row = ['area', 'measure', 'value', 'reference (same run)', 'ratio', 'target', 'met'];
  const line = (row: Row) => `| ${row.join(' | ')} |`;
  return [line(header), line(header.map(() => '---') as Row), ...rows.map(line)].join('\n');
}

/**
 * What the worker before "refresh only what is in use" asked for in the same scenario: a token per
 * reachable instance at start, then one per instance at every refresh (lifetime − max(60 s, 20 %)).
 */
function previousWorkerPerHour(x: SessionResult): number {
  const interval = x.tokenLifetimeSeconds - Math.max(60, 0.2 * x.tokenLifetimeSeconds);
  return (x.instances * (1 + Math.floor((x.hours * 3600) / interval))) / x.hours;
}

export function renderMachine(m: Machine): string {
  const load = m.loadAtEnd === undefined ? fmt(m.loadAtStart, 2) : `${fmt(m.loadAtStart, 2)} → ${fmt(m.loadAtEnd, 2)}`;
  return `${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.platform}, Node ${m.node}; load average ${load}; commit ${m.commit}; ${m.date}`;
}

export function renderSettings(r: BenchResults): string {
  const s = r.settings;
  return `Token endpoint: wrk, ${s.runs} × ${s.secondsPerRun} s per route and engine, routes alternating, engines taking turns, ${s.connections} connections, ${s.users} signed-in users; click and launcher: ${s.clickIterations} rounds each; medians throughout, (lowest–highest run) beside them.`;
}

export function renderProfile(p: ProfileSummary & { work: Record<string, number> }): string {
  const pct = (x: number) => `${fmt(x * 100, 1)} %`;
  const work = Object.entries(p.work).map(([k, v]) => `${k} ${pct(v)}`).join('; ');
  const top = p.top.slice(0, 5).map((t) => `${t.fn} ${pct(t.share)}`).join('; ');
  return `Where the token endpoint's time goes (V8 profile of the server's main thread under token load, ${fmt(p.busyMs)} ms busy of ${fmt(p.totalMs)} ms): ${work}. Heaviest functions (self): ${top}.`;
}
