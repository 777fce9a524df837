import { readFileSync } from 'node:fs';
import { ConfigError } from './errors.ts';
import { derive, type Derived } from './config/derived.ts';
import { jsonErrorPosition } from './config/json-error.ts';
import { SETTINGS, SETTINGS_CHECKS, type Settings } from './config/settings.ts';
import { object } from './config/spec.ts';
import { providerWarnings } from './oidc/provider-config.ts';

export type { InstanceConfig } from './config/settings.ts';
export { DEFAULT_HEADER_NAME } from './config/settings.ts';

/**
 * Configuration: the defaults of the settings table (config/settings.ts), overridden by an optional
 * JSON file, overridden by environment variables; validated once at startup with errors that name the
 * setting. See README "Configuring the token server".
 */
export type Config = Settings & { readonly derived: Derived };

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Path of a JSON config file; defaults to env GRAFANA_SSO_CONFIG. */
  file?: string;
  /** Settings given in code (tests), applied last. */
  overrides?: Record<string, unknown>;
}

/** Environment variable → setting, from the table. */
export const ENVIRONMENT: ReadonlyMap<string, keyof Settings> = new Map(
  Object.entries(SETTINGS).flatMap(([key, f]) => (f.env ? [[f.env, key as keyof Settings]] : [])),
);

/** Reads file + environment + overrides and validates. Throws ConfigError naming the setting. */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const raw: Record<string, unknown> = {};
  const file = options.file ?? env.GRAFANA_SSO_CONFIG;
  if (file) Object.assign(raw, readConfigFile(file));
  for (const [name, key] of ENVIRONMENT) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    raw[key] = SETTINGS[key].parse.json ? parseJson(value, name, `environment variable ${name}`) : value;
  }
  Object.assign(raw, options.overrides);
  return validateConfig(raw);
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError('GRAFANA_SSO_CONFIG', `cannot read config file ${path}: ${(e as Error).message}`);
  }
  const parsed = parseJson(text, 'GRAFANA_SSO_CONFIG', `config file ${path}`);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('GRAFANA_SSO_CONFIG', `config file ${path} must hold a JSON object`);
  }
  return { ...parsed };
}

/** Parses JSON; the error gives the position only, never the text (it may be any file, or a secret). */
function parseJson(text: string, setting: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ConfigError(setting, `${what} is not valid JSON (${jsonErrorPosition(text)})`);
  }
}

const parseSettings = object(SETTINGS, SETTINGS_CHECKS);

export function validateConfig(raw: Record<string, unknown>): Config {
  const settings = parseSettings(raw, '');
  return { ...settings, derived: derive(settings) };
}

/** Things that work but should not run in production; printed once, loudly, at startup. */
export function developmentWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (!config.derived.https) {
    warnings.push(
      `publicUrl ${config.publicUrl} is plain http: session cookies are not Secure and Grafana accepts an http JWKS only with app_mode = development. Set GRAFANA_SSO_PUBLIC_URL to the https URL users reach.`,
    );
  }
  if (config.derived.https && !config.keyEncryptionKey && !config.keyEncryptionKeyFile) {
    warnings.push(
      'no key-encryption key is set: private signing keys are stored unencrypted in the database, so a copy or backup of it can forge tokens. Set GRAFANA_SSO_KEY_ENCRYPTION_KEY_FILE (README "Keys at rest").',
    );
  }
  if (config.derived.https && config.extensionIds.length === 0) {
    warnings.push(
      'extensionIds is empty: any browser extension the user installs may call the token API with their session. Set GRAFANA_SSO_EXTENSION_IDS to your extension\'s id (README "Configuring the token server").',
    );
  }
  for (const inst of config.instances) {
    if (new URL(inst.url).protocol !== 'https:') warnings.push(`instance "${inst.id}" is plain http (${inst.url}): tokens in its URLs and headers travel unencrypted.`);
  }
  warnings.push(...providerWarnings(config.providers));
  return warnings;
}
