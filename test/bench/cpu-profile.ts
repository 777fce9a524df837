// Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went: self time per function and
// per area of the code (signing, SQLite, audit, Express, HTTP, …), as shares of the busy time.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Sampled wall time in ms, and the part not idle. */
  totalMs: number;
  busyMs: number;
  /** Area → share of busy time (0..1). */
  areas: Record<string, number>;
  /** The heaviest functions by self time: "name (file:line)" → share of busy time. */
  top: { fn: string; share: number }[];
}

/** Areas matched on the function's script URL (or name), first match wins. */
const AREAS: [string, (url: string, fn: string) => boolean][] = [
  ['idle', (_u, f) => f === '(idle)'],
  ['gc', (_u, f) => f === '(garbage collector)'],
  ['jose (JWT/JWS encoding, WebCrypto sign)', (u) => u.includes('/jose/')],
  ['signing (node:crypto, native)', (u, f) => u.includes('internal/crypto') || /^(sign|Sign|digest|signOneShot)$/.test(f)],
  // Native calls of better-sqlite3 statements and of crypto jobs are both named get/run/all: breakdown()
  // tells them apart by their callers.
  ['native get/run/all (SQLite statements, crypto jobs)', (u, f) => u.includes('better-sqlite3') || (/^(get|run|all)$/.test(f) && u === '')],
  ['token server code', (u) => u.includes('/server/')],
  ['Express + router + body parser', (u) => /node_modules\/(express|router|body-parser|raw-body|type-is|content-type|qs|iconv-lite|media-typer|finalhandler|send|on-finished|accepts|negotiator|mime|vary|etag|fresh|cookie|parseurl|path-to-regexp|depd|debug|statuses|http-errors|encodeurl|escape-html|merge-descriptors|proxy-addr|forwarded|ipaddr|range-parser|safe-buffer|content-disposition|utils-merge|methods|setprototypeof|unpipe|ee-first|destroy|once|wrappy|is-promise|math-intrinsics|call-bind|side-channel|get-intrinsic|function-bind|es-|has-|hasown|object-inspect|dunder-proto|gopd)/.test(u)],
  ['node http/net/streams', (u) => /^node:(_http|http|net|stream|internal\/(http|streams|stream_base|net|timers|process|async_hooks))/.test(u) || u.startsWith('node:internal/http')],
  ['tsx loader', (u) => u.includes('/tsx/')],
  ['program (native, unattributed)', (_u, f) => f === '(program)'],
];

export function summariseProfile(path: string, topN = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

  let total = 0;
  let idle = 0;
  const areas: Record<string, number> = {};
  const fns = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const fn = functionName || '(anonymous)';
    total += us;
    const area = AREAS.find(([, match]) => match(url, fn))?.[0] ?? (url.startsWith('node:') ? `node internals` : 'other');
    if (area === 'idle') {
      idle += us;
      continue;
    }
    areas[area] = (areas[area] ?? 0) + us;
    const key = `${fn} (${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(server|test)\//, '$1/')}:${lineNumber + 1})`;
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const busy = total - idle;
  const share = (us: number) => us / busy;
  return {
    totalMs: total / 1000,
    busyMs: busy / 1000,
    areas: Object.fromEntries(Object.entries(areas).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, share(v)])),
    top: [...fns].sort((a, b) => b[1] - a[1]).slice(0, topN).map(([fn, us]) => ({ fn, share: share(us) })),
  };
}

/** A stack frame: function name and script URL. */
export type FrameMatch = (fn: string, url: string) => boolean;

/**
 * Where the busy time went, by what the code was doing: each sample goes to the first category one
 * of whose frames appears on its stack, searched from the leaf up (so a SQLite call made while
 * recording the audit counts as audit), else to "other". Shares of busy (non-idle) time.
 */
export function breakdown(path: string, categories: [string, FrameMatch][]): Record<string, number> {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const cache = new Map<number, string>();
  const categoryOf = (id: number): string => {
    const known = cache.get(id);
    if (known) return known;
    let found = 'other';
    search: for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const { functionName, url } = byId.get(at)!.callFrame;
      for (const [name, match] of categories) {
        if (match(functionName, url)) {
          found = name;
          break search;
        }
      }
    }
    cache.set(id, found);
    return found;
  };
  const totals: Record<string, number> = {};
  let busy = 0;
  profile.samples.forEach((id, i) => {
    if (byId.get(id)!.callFrame.functionName === '(idle)') return;
    const dt = profile.timeDeltas[i] ?? 0;
    busy += dt;
    const category = categoryOf(id);
    totals[category] = (totals[category] ?? 0) + dt;
  });
  return Object.fromEntries(Object.entries(totals).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, busy > 0 ? v / busy : 0]));
}

/** What a token request does, for breakdown(): the categories the benchmark reports. */
export const TOKEN_REQUEST_WORK: [string, FrameMatch][] = [
  ['garbage collection', (f) => f === '(garbage collector)'],
  ['ES256 signing + token encoding', (f, u) => u.includes('/jose/') || /internal\/crypto\/(webcrypto|ec|sig|keys|util)/.test(u) || f === 'SignJob' || (u.includes('/server/token-signing') && f !== 'randomId')],
  ['audit (file line + SQLite insert)', (f, u) => u.includes('/server/audit') || f === 'appendAudit' || f === 'sqliteTransaction'],
  ['session + user lookup (SQLite)', (f, u) => u.includes('/server/sessions') || f === 'getSession' || f === 'getUserById' || f === 'toUser'],
  ['JSON body parsing', (_f, u) => /node_modules\/(body-parser|raw-body|iconv-lite|type-is|content-type|media-typer)\//.test(u)],
  ['HTTP write (socket writev)', (f) => f === 'writev' || f === 'writeBuffer' || f === 'writeBuffers'],
  ['Express routing + response', (_f, u) => /node_modules\/(express|router|finalhandler|send|on-finished|accepts|negotiator|vary|etag|fresh|cookie|parseurl|path-to-regexp|depd|statuses|http-errors|proxy-addr|safe-buffer)\//.test(u)],
  ['node HTTP parsing + streams', (_f, u) => /^node:(_http|http|net|stream|internal\/(http|streams|stream_base))/.test(u)],
];
