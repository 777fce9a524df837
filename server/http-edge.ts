// How every answer leaves the server, whatever route made it: security headers, no CORS, closing
// connections while draining, and errors as the catalogue's JSON or a readable page.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Config } from './config.ts';
import { jsonPathPrefixes, type FixedMessageCode } from './contract/index.ts';
import { HttpError } from './errors.ts';
import type { Readiness } from './routes/health.ts';
import { StoreUnavailableError } from './store/driver.ts';
import { messagePage } from './views/pages.ts';

/** While shutdown drains, answers ask the client to close: no new requests on kept-alive connections. */
export function closeWhenDraining(readiness: Readiness): RequestHandler {
  return (_req, res, next) => {
    if (readiness.draining) res.set('Connection', 'close');
    next();
  };
}

/** No CORS, ever: a preflight is refused, so web pages cannot send the API's custom header. */
export function refusePreflight(): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'OPTIONS') {
      const error = new HttpError('method_not_allowed');
      res.status(error.status).json(error.body());
    } else next();
  };
}

export function securityHeaders(config: Config): RequestHandler {
  // Forms post to this server; the Open buttons redirect to Grafana, which form-action must allow.
  const formTargets = ["'self'", ...new Set(config.instances.map((i) => new URL(i.url).origin))].join(' ');
  const csp = `default-src 'none'; style-src 'self'; img-src 'self'; form-action ${formTargets}; frame-ancestors 'none'; base-uri 'none'`;
  return (_req, res, next) => {
    res.set({
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      // Pages never leak their URL to Grafana or anywhere else; same-origin rather than no-referrer,
      // with which browsers send `Origin: null` on the pages' own form posts.
      'Referrer-Policy': 'same-origin',
      'Cross-Origin-Opener-Policy': 'same-origin',
    });
    if (config.derived.https) res.set('Strict-Transport-Security', 'max-age=31536000');
    next();
  };
}

/** The form parser's errors carry `type` and `status`; map them to stable codes. */
const PARSER_ERRORS: Record<string, FixedMessageCode> = {
  'entity.too.large': 'payload_too_large',
  'encoding.unsupported': 'unsupported_encoding',
  'charset.unsupported': 'unsupported_charset',
  'parameters.too.many': 'too_many_parameters',
  'request.aborted': 'request_aborted',
};

export function errorHandler(log: (m: string) => void): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    let error: HttpError;
    if (err instanceof HttpError) error = err;
    else {
      const e = (typeof err === 'object' && err !== null ? err : {}) as { type?: string; status?: unknown; message?: string };
      const parser = PARSER_ERRORS[e.type ?? ''];
      if (parser) error = new HttpError(parser);
      // The database is down or restarting: nothing was written, the client may retry.
      else if (err instanceof StoreUnavailableError) {
        error = new HttpError('store_unavailable', { detail: err.message });
        if (!res.headersSent) res.set('Retry-After', '5');
      }
      // Other client errors raised by Express or its parsers (a malformed %-escape, a corrupt gzip body).
      else if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
        error = new HttpError('bad_request', { detail: e.message });
      } else {
        log(`internal error on ${req.method} ${req.path}: ${(err as Error)?.stack ?? String(err)}`);
        error = new HttpError('internal_error');
      }
    }
    if (error.detail) log(`${error.code} on ${req.method} ${req.path}: ${error.detail}`);
    if (res.headersSent) return;
    res.status(error.status);
    const wantsHtml = !jsonPathPrefixes.some((p) => req.path.startsWith(p)) && req.accepts(['json', 'html']) === 'html';
    if (wantsHtml) res.type('html').send(messagePage(`Error ${error.status}`, error.message, { href: '/', text: 'Back to the start page' }));
    else res.json(error.body());
  };
}
