import browser from 'webextension-polyfill';
import { buildConfig } from './build-config';
import { normalizeServerUrl } from './urls';

/** Every option with its default. Admin policy (storage.managed) uses the same names: managed-schema.json. */
export const defaults = {
  /** The token server, e.g. https://sso.example.com ('' = not configured). */
  serverUrl: '',
  /** Instance id the popup button, shortcut and context menu open ('' = the server's default). */
  defaultInstance: '',
  /** Open Grafana without `auth_token` in the URL and rely on the header rule alone. */
  keepTokensOutOfUrls: false,
  /** Refresh when less than max(refreshMinMarginSeconds, refreshMarginRatio × lifetime) remains. */
  refreshMinMarginSeconds: 60,
  refreshMarginRatio: 0.2,
};
export type Options = typeof defaults;
export type OptionKey = keyof Options;
export type OptionSource = 'default' | 'preset' | 'user' | 'managed';

export interface ResolvedOptions {
  options: Options;
  /** Keys an administrator set by policy: shown read-only, user values ignored. */
  locked: OptionKey[];
  source: Record<OptionKey, OptionSource>;
}

/** storage.local key of the user's choices (host permissions are per browser, so not storage.sync). */
export const userOptionsKey = 'options';

const optionKeys = Object.keys(defaults) as OptionKey[];

/** Bounds of the numeric options: the validator below and the options page's inputs both use them. */
export const optionBounds: Record<'refreshMinMarginSeconds' | 'refreshMarginRatio', { min: number; max?: number }> = {
  refreshMinMarginSeconds: { min: 0 },
  // Above 90 % of the lifetime a token would be refreshed almost as soon as it arrives.
  refreshMarginRatio: { min: 0, max: 0.9 },
};

const inBounds = (v: number, { min, max }: { min: number; max?: number }) => Number.isFinite(v) && v >= min && (max === undefined || v <= max);

const checks: { [K in OptionKey]?: (value: Options[K]) => boolean } = {
  serverUrl: (v) => v === '' || normalizeServerUrl(v) === v,
  refreshMinMarginSeconds: (v) => inBounds(v, optionBounds.refreshMinMarginSeconds),
  refreshMarginRatio: (v) => inBounds(v, optionBounds.refreshMarginRatio),
};

export function isValidOption<K extends OptionKey>(key: K, value: unknown): value is Options[K] {
  if (typeof value !== typeof defaults[key]) return false;
  const check = checks[key] as ((v: unknown) => boolean) | undefined;
  return check ? check(value) : true;
}

/** Keeps only known keys with valid values; anything else in a layer is ignored, never trusted. */
export function validOptions(layer: unknown): Partial<Options> {
  const out: Partial<Record<OptionKey, unknown>> = {};
  if (typeof layer !== 'object' || layer === null) return {};
  for (const key of optionKeys) {
    const value = (layer as Record<string, unknown>)[key];
    if (isValidOption(key, value)) out[key] = value;
  }
  return out as Partial<Options>;
}

/** Precedence: defaults < build-time preset < user (storage.local) < administrator (storage.managed). */
export function resolveOptions(layers: { preset?: unknown; user?: unknown; managed?: unknown }): ResolvedOptions {
  const options: Options = { ...defaults };
  const source = Object.fromEntries(optionKeys.map((k) => [k, 'default'])) as Record<OptionKey, OptionSource>;
  const order: [Exclude<OptionSource, 'default'>, unknown][] = [
    ['preset', layers.preset],
    ['user', layers.user],
    ['managed', layers.managed],
  ];
  for (const [name, layer] of order) {
    const valid = validOptions(layer);
    for (const key of Object.keys(valid) as OptionKey[]) {
      (options as Record<OptionKey, unknown>)[key] = valid[key];
      source[key] = name;
    }
  }
  return { options, locked: optionKeys.filter((k) => source[k] === 'managed'), source };
}

/** The build-time layer (vite.config.ts has validated and normalised the URL). */
export function presetOptions(): Partial<Options> {
  return buildConfig.presetServerUrl ? { serverUrl: buildConfig.presetServerUrl } : {};
}

async function readManaged(): Promise<unknown> {
  try {
    return await browser.storage.managed.get();
  } catch {
    // Firefox throws when no policy exists for the extension; Chromium answers {}.
    return {};
  }
}

export async function readOptions(): Promise<ResolvedOptions> {
  const [local, managed] = await Promise.all([browser.storage.local.get(userOptionsKey), readManaged()]);
  return resolveOptions({ preset: presetOptions(), user: local[userOptionsKey], managed });
}

/** Saves the user's choices. Invalid values are refused, so a bad input never reaches the worker. */
export async function saveUserOptions(changes: Partial<Options>): Promise<void> {
  for (const [key, value] of Object.entries(changes)) {
    if (!isValidOption(key as OptionKey, value)) throw new Error(`Invalid value for option ${key}`);
  }
  const stored = await browser.storage.local.get(userOptionsKey);
  const current = validOptions(stored[userOptionsKey]);
  await browser.storage.local.set({ [userOptionsKey]: { ...current, ...changes } });
}

/** Whether a storage.onChanged event may have changed the resolved options. */
export function affectsOptions(changes: Record<string, unknown>, areaName: string): boolean {
  return areaName === 'managed' || (areaName === 'local' && userOptionsKey in changes);
}
