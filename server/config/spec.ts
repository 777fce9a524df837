import { ConfigError } from '../errors.ts';

/**
 * The vocabulary the settings table (settings.ts) is written in: a parser per kind of value, a field
 * (doc, default, environment variable, parser) per setting, and objects of fields with named checks.
 * Parsers narrow `unknown` to the setting's type, so the Config type is inferred from the table.
 */
export interface Parser<T> {
  (value: unknown, at: string): T;
  /** Bounds or shape, shown in the README beside the doc line, e.g. "30–86400". */
  readonly shape?: string;
  /** An environment variable for this kind of value holds JSON (lists, objects). */
  readonly json?: boolean;
  /** For an object or a list of objects: its fields, so the README documents them too. */
  readonly fields?: Fields;
}

/** The values of fields declared before this one, for defaults that depend on them. */
export class Earlier {
  constructor(private readonly values: Readonly<Record<string, unknown>>) {}

  text(key: string): string {
    const v = this.values[key];
    if (typeof v !== 'string') throw new Error(`settings table: ${key} must be declared before the fields whose default uses it`);
    return v;
  }

  number(key: string): number {
    const v = this.values[key];
    if (typeof v !== 'number') throw new Error(`settings table: ${key} must be declared before the fields whose default uses it`);
    return v;
  }

  flag(key: string): boolean {
    const v = this.values[key];
    if (typeof v !== 'boolean') throw new Error(`settings table: ${key} must be declared before the fields whose default uses it`);
    return v;
  }

  /** A list of objects, each readable the same way. */
  list(key: string): Earlier[] {
    const v = this.values[key];
    if (!Array.isArray(v)) throw new Error(`settings table: ${key} must be declared before the fields whose default uses it`);
    return v.map((item: Readonly<Record<string, unknown>>) => new Earlier(item));
  }
}

export interface Field<T> {
  /** One line for the README. */
  doc: string;
  parse: Parser<T>;
  /** A value, or a rule over the fields declared above; no default means the setting is required. */
  default?: T | ((earlier: Earlier) => T);
  /** How the README shows a computed default (required when `default` is a function). */
  defaultDoc?: string;
  /** Environment variable (top-level settings only). */
  env?: string;
}

export type Fields = Record<string, Field<unknown>>;
export type ValuesOf<F extends Fields> = { [K in keyof F]: F[K] extends Field<infer T> ? T : never };

/** Declares one setting; the value type comes from the parser. */
export const field = <T>(f: Omit<Field<T>, 'default'> & { default?: NoInfer<T> | ((earlier: Earlier) => NoInfer<T>) }): Field<T> => f;

/** A cross-field rule with a name; returns the offending setting (relative path) and what is wrong. */
export interface Check<T> {
  name: string;
  problem(value: T): { setting: string; message: string } | undefined;
}

export const join = (at: string, key: string | number) => (typeof key === 'number' ? `${at}[${key}]` : at ? `${at}.${key}` : key);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parser<T>(fn: (value: unknown, at: string) => T, extra: { shape?: string; json?: boolean; fields?: Fields } = {}): Parser<T> {
  return Object.assign(fn, extra);
}

/** An object of fields: unknown keys refused, defaults applied in table order, then the named checks. */
export function object<F extends Fields>(fields: F, checks: Check<ValuesOf<F>>[] = [], example = ''): Parser<ValuesOf<F>> {
  const known = Object.keys(fields);
  return parser(
    (value, at) => {
      if (!isRecord(value)) throw new ConfigError(at || 'configuration', `must be an object${example ? ` like ${example}` : ''}`);
      for (const key of Object.keys(value)) {
        if (!known.includes(key)) throw new ConfigError(join(at, key), `unknown setting (known: ${known.join(', ')})`);
      }
      const out: Record<string, unknown> = {};
      for (const [key, f] of Object.entries(fields)) {
        const raw = value[key];
        if (raw !== undefined) out[key] = f.parse(raw, join(at, key));
        else if (typeof f.default === 'function') out[key] = f.default(new Earlier(out));
        else if ('default' in f) out[key] = f.default;
        else throw new ConfigError(join(at, key), 'is required');
      }
      // The loop above filled every field through its own parser or default.
      const result = out as ValuesOf<F>;
      for (const check of checks) {
        const p = check.problem(result);
        if (p) throw new ConfigError(p.setting ? join(at, p.setting) : at, p.message);
      }
      return result;
    },
    { json: true, fields },
  );
}

export const list = <T>(item: Parser<T>, { nonEmpty = false } = {}) =>
  parser(
    (value, at): T[] => {
      if (!Array.isArray(value) || (nonEmpty && value.length === 0)) throw new ConfigError(at, `must be a${nonEmpty ? ' non-empty' : ''} list`);
      return value.map((v, i) => item(v, join(at, i)));
    },
    { json: true, ...(item.fields ? { fields: item.fields } : {}), ...(item.shape ? { shape: `list of ${item.shape}` } : {}) },
  );

/** An object of free keys (e.g. group names), each value parsed alike. */
export const record = <T>(item: Parser<T>, what: string) =>
  parser(
    (value, at): Record<string, T> => {
      if (!isRecord(value)) throw new ConfigError(at, `must be an object of ${what}`);
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, item(v, join(at, k))]));
    },
    { json: true },
  );

export const text = ({ allowEmpty = false, pattern, rule }: { allowEmpty?: boolean; pattern?: RegExp; rule?: string } = {}) =>
  parser((value, at): string => {
    if (typeof value !== 'string' || (!allowEmpty && value.trim() === '')) throw new ConfigError(at, rule ?? 'must be a non-empty string');
    const v = allowEmpty ? value : value.trim();
    if (pattern && !pattern.test(v)) throw new ConfigError(at, rule ?? `must match ${pattern}`);
    return v;
  });

/** A whole number within bounds; environment variables give it as digits. */
export const int = (min: number, max: number) =>
  parser(
    (value, at): number => {
      const n = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
        throw new ConfigError(at, `must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)})`);
      }
      return n;
    },
    { shape: `${min}–${max}` },
  );

export const flag = () =>
  parser((value, at): boolean => {
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    throw new ConfigError(at, 'must be true or false');
  });

/** One of a fixed set of values (or null when `nullable`), spelled exactly. */
export const oneOf = <const V extends string>(values: readonly V[], rule: string) =>
  parser((value, at): V => {
    const found = values.find((v) => v === value);
    if (found === undefined) throw new ConfigError(at, rule);
    return found;
  });

export const nullable = <T>(inner: Parser<T>) => parser((value, at): T | null => (value === null ? null : inner(value, at)), { ...(inner.shape ? { shape: inner.shape } : {}) });

/** An absolute http(s) URL without query, fragment or credentials, returned without a trailing slash. */
export const baseUrl = () =>
  parser((value, at): string => {
    if (typeof value !== 'string') throw new ConfigError(at, 'must be a URL string');
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new ConfigError(at, `"${value}" is not an absolute URL (e.g. https://sso.example.com)`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(at, 'must be an http or https URL');
    if (url.search || url.hash || url.username || url.password) throw new ConfigError(at, 'must not carry a query, fragment or credentials');
    return url.href.replace(/\/+$/, '');
  });

/** A parser written out for a value with its own rules (e.g. trustProxy). */
export const custom = <T>(fn: (value: unknown, at: string) => T, shape?: string) => parser(fn, shape ? { shape } : {});
