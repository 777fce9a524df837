import { describe, expect, it } from 'vitest';
import { errorCatalogue, errorCodes } from '../../server/contract/index.ts';
import { HttpError } from '../../server/errors.ts';

describe('HttpError from the error catalogue', () => {
  it('takes status and public message from the catalogue', () => {
    const error = new HttpError('invalid_json');
    expect([error.status, error.code, error.message]).toEqual([400, 'invalid_json', errorCatalogue.invalid_json.message]);
    expect(new HttpError('method_not_allowed').status).toBe(405);
  });

  it("fills a templated message with the request's own values", () => {
    expect(new HttpError('unknown_instance', { instance: 'lab' }).message).toBe('No Grafana instance "lab" is configured');
    expect(new HttpError('access_denied', { disabled: true, instanceName: 'Lab' }).message).toBe('Your account is disabled');
    expect(new HttpError('access_denied', { disabled: false, instanceName: 'Lab' }).message).toBe('You have no access to Lab');
  });

  it('keeps the detail out of the body and adds the public extras', () => {
    const error = new HttpError('session_required', { detail: 'cookie expired', extra: { loginUrl: 'https://sso.example.com/login' } });
    expect(error.body()).toEqual({ code: 'session_required', message: 'Sign in first', loginUrl: 'https://sso.example.com/login' });
    const templated = new HttpError('not_found', { method: 'GET', path: '/x' }, { detail: 'private' });
    expect([templated.detail, JSON.stringify(templated.body())]).toEqual(['private', '{"code":"not_found","message":"Nothing at GET /x"}']);
  });

  it('every code is a client error, internal_error, or 503 for a dependency that is unavailable', () => {
    for (const code of errorCodes) {
      const { status } = errorCatalogue[code];
      // 503 (with Retry-After): something outside the server, e.g. the identity provider, does not answer.
      const kind = status >= 400 && status < 500 ? 'client' : status === 503 && code.endsWith('_unavailable') ? 'client' : code;
      expect(kind, code).toBe(status === 500 ? 'internal_error' : 'client');
    }
  });
});
