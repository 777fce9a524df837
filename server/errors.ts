/**
 * One error type for everything a client may be told about. `code` is stable (clients and tests match
 * on it), `message` is public, `detail` is for logs only and never sent.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail?: string,
    /** Extra public fields for the JSON body, e.g. `loginUrl`. */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (code: string, message: string) => new HttpError(400, code, message);

/** Configuration or CLI input that cannot work; the message names the setting and the fix. */
export class ConfigError extends Error {
  constructor(readonly setting: string, message: string) {
    super(`${setting}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** Bad input to a store or CLI operation (unknown user, duplicate login…), shown to the operator as is. */
export class InputError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'InputError';
  }
}
