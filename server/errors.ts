import { errorCatalogue, errorMessage, errorStatus, type ErrorCode, type ErrorParams, type ErrorResponse } from './contract/index.ts';

interface ErrorOptions {
  /** For logs only, never sent. */
  detail?: string;
  /** Extra public fields for the JSON body, e.g. `loginUrl`. */
  extra?: Record<string, unknown>;
}

/**
 * One error type for everything a client may be told about, built from the contract's error
 * catalogue: `code` is stable (clients and tests match on it), status and public message come with
 * it, `detail` is for logs only and never sent.
 */
export class HttpError<C extends ErrorCode = ErrorCode> extends Error {
  readonly status: number;
  readonly detail: string | undefined;
  readonly extra: Record<string, unknown>;

  constructor(
    readonly code: C,
    ...args: [...params: ErrorParams<C>, options?: ErrorOptions]
  ) {
    // A templated message takes its params first; the options, if any, come last.
    const templated = typeof errorCatalogue[code].message === 'function';
    const params = (templated ? args.slice(0, 1) : []) as ErrorParams<C>;
    super(errorMessage(code, ...params));
    const options = args[templated ? 1 : 0] as ErrorOptions | undefined;
    this.name = 'HttpError';
    this.status = errorStatus(code);
    this.detail = options?.detail;
    this.extra = options?.extra ?? {};
  }

  /** The JSON body clients get. */
  body(): ErrorResponse {
    return { code: this.code, message: this.message, ...this.extra };
  }
}

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
