import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { pino, stdTimeFunctions, type Logger } from 'pino';

export type { Logger };
export type LogFormat = 'json' | 'text';

/** Anything with write(line): stderr, a file stream, a test's array. */
export interface LogOutput {
  write(line: string): unknown;
}

/**
 * The server's operational log (pino): one JSON object a line, or a readable line for a terminal.
 * Callers log identifiers and outcomes only; should a secret-looking field slip in anyway, it is
 * censored. The audit trail (audit.ts) is a different stream with a different audience.
 */
export function createLogger(format: LogFormat, out: LogOutput = process.stderr): Logger {
  const destination = format === 'json' ? { write: (line: string) => out.write(line) } : { write: (line: string) => out.write(textLine(line)) };
  return pino(
    {
      base: undefined,
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: SECRET_FIELDS.flatMap((f) => [f, `*.${f}`]), censor: '[redacted]' },
    },
    destination,
  );
}

const SECRET_FIELDS = ['password', 'token', 'cookie', 'authorization', 'auth_token', 'secret'];

/** `2025-01-01T08:00:00.000Z INFO  message key=value …` for development. */
function textLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const { time, level, msg, ...rest } = entry;
  const fields = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return `${String(time)} ${String(level).toUpperCase().padEnd(5)} ${String(msg ?? '')}${fields.length ? ` ${fields.join(' ')}` : ''}\n`;
}

/** A proxy's request id is kept (so its log and ours match) when it is a plain token; else a new one. */
const REQUEST_ID = /^[\w.@:-]{1,100}$/;

export function requestIdOf(res: Response): string {
  return String(res.locals.requestId ?? '');
}

/** The signed-in user of this request, for its log line (set where a session is loaded). */
export function noteUser(req: Request, userId: string): void {
  if (req.res) req.res.locals.userId = userId;
}

/** The matched route pattern (`/open/:instance`), never the raw path: bounded, and free of input. */
export function routeOf(req: Request): string {
  const path: unknown = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? req.baseUrl + path : '(unmatched)';
}

/**
 * Gives each request an id (X-Request-Id, echoed back) and logs one line when it ends: method, route,
 * path (no query string), status, duration and the user id where known.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    const incoming = req.get('x-request-id');
    const id = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = id;
    res.set('X-Request-Id', id);
    const done = () => {
      res.off('finish', done).off('close', done);
      const entry = {
        reqId: id,
        method: req.method,
        route: routeOf(req),
        path: req.path.slice(0, 200),
        status: res.writableFinished ? res.statusCode : 499,
        ms: Math.round(Number(process.hrtime.bigint() - start) / 1e4) / 100,
        ...(res.locals.userId ? { user: String(res.locals.userId) } : {}),
      };
      if (entry.status >= 500) logger.error(entry, 'request');
      else logger.info(entry, 'request');
    };
    res.on('finish', done).on('close', done);
    next();
  };
}
