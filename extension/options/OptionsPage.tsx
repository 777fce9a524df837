import { useCallback, useEffect, useState, type ReactNode } from 'react';
import browser from 'webextension-polyfill';
import { affectsOptions, readOptions, saveUserOptions, type OptionKey, type Options, type ResolvedOptions } from '../shared/options';
import { hasOrigins, releaseOriginsExcept, requestOrigins } from '../shared/permissions';
import type { PublicConfig as ServerConfig } from '../../server/contract/index.ts';
import { serverApi, ServerError } from '../shared/server-api';
import { normalizeServerUrl } from '../shared/urls';

type Notice = { kind: 'ok' | 'error' | 'info'; text: string } | null;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The resolved options, re-read whenever the user's or the administrator's values change. */
function useOptions() {
  const [resolved, setResolved] = useState<ResolvedOptions | null>(null);
  useEffect(() => {
    const reload = () => void readOptions().then(setResolved);
    const onChanged = (changes: Record<string, unknown>, area: string) => affectsOptions(changes, area) && reload();
    reload();
    browser.storage.onChanged.addListener(onChanged);
    return () => browser.storage.onChanged.removeListener(onChanged);
  }, []);
  return resolved;
}

export function OptionsPage() {
  const resolved = useOptions();
  const [draftUrl, setDraftUrl] = useState<string | null>(null);
  const [config, setConfig] = useState<ServerConfig | null>(null);
  const [granted, setGranted] = useState<{ server: boolean; grafana: boolean }>({ server: false, grafana: false });
  const [notice, setNotice] = useState<Notice>(null);
  const [test, setTest] = useState<Notice>(null);

  const serverUrl = resolved?.options.serverUrl ?? '';
  const locked = (key: OptionKey) => resolved?.locked.includes(key) ?? false;

  const loadConfig = useCallback(async (url: string) => {
    if (!url || !(await hasOrigins([url]))) return setConfig(null);
    try {
      setConfig(await serverApi(url).getConfig());
    } catch (error) {
      setConfig(null);
      setNotice({ kind: 'error', text: `Could not read the server's configuration: ${errorText(error)}` });
    }
  }, []);

  useEffect(() => void loadConfig(serverUrl), [serverUrl, loadConfig]);

  const refreshGranted = useCallback(async () => {
    const server = serverUrl ? await hasOrigins([serverUrl]) : false;
    const grafana = config ? await hasOrigins(config.instances.map((i) => i.url)) : false;
    setGranted({ server, grafana });
  }, [serverUrl, config]);

  useEffect(() => {
    void refreshGranted();
    const onChange = () => void refreshGranted();
    browser.permissions.onAdded.addListener(onChange);
    browser.permissions.onRemoved.addListener(onChange);
    return () => {
      browser.permissions.onAdded.removeListener(onChange);
      browser.permissions.onRemoved.removeListener(onChange);
    };
  }, [refreshGranted]);

  if (!resolved) return <main className="muted">Loading…</main>;
  const { options, source } = resolved;

  // Runs in the click handler: permissions.request must be the first await of a user gesture.
  const connect = async () => {
    setNotice(null);
    const url = locked('serverUrl') ? options.serverUrl : normalizeServerUrl(draftUrl ?? options.serverUrl);
    if (!url) return setNotice({ kind: 'error', text: 'Enter an http(s) URL such as https://sso.example.com.' });
    try {
      if (!(await requestOrigins([url]))) {
        return setNotice({ kind: 'error', text: `Access to ${url} was not granted: the extension cannot reach the server without it.` });
      }
      if (!locked('serverUrl') && url !== options.serverUrl) await saveUserOptions({ serverUrl: url });
      setDraftUrl(null);
      await loadConfig(url);
      setNotice({ kind: 'ok', text: 'Connected. Now allow access to the Grafana sites below.' });
    } catch (error) {
      setNotice({ kind: 'error', text: errorText(error) });
    }
  };

  const grantGrafana = async () => {
    if (!config) return;
    const urls = config.instances.map((i) => i.url);
    try {
      const ok = await requestOrigins(urls);
      if (ok) await releaseOriginsExcept([options.serverUrl, ...urls]);
      setNotice(ok ? { kind: 'ok', text: 'Grafana tabs will stay signed in.' } : { kind: 'error', text: 'Access to the Grafana sites was not granted.' });
    } catch (error) {
      setNotice({ kind: 'error', text: errorText(error) });
    }
  };

  const testConnection = async () => {
    setTest({ kind: 'info', text: 'Testing…' });
    try {
      const session = await serverApi(options.serverUrl).getSession();
      setTest({ kind: 'ok', text: `Server reachable; signed in as ${session.user.name} (${session.user.login}).` });
    } catch (error) {
      if (error instanceof ServerError && error.code === 'session_required') {
        setTest({ kind: 'info', text: 'Server reachable; you are not signed in.' });
      } else if (error instanceof ServerError && error.code === 'unreachable') {
        setTest({ kind: 'error', text: `Server unreachable: ${error.message}` });
      } else {
        setTest({ kind: 'error', text: errorText(error) });
      }
    }
  };

  const save = <K extends OptionKey>(key: K, value: Options[K]) =>
    saveUserOptions({ [key]: value } as Partial<Options>).catch((error: unknown) => setNotice({ kind: 'error', text: errorText(error) }));

  const lockNote = (key: OptionKey): ReactNode =>
    source[key] === 'managed' ? <span className="locked">🔒 set by your administrator</span> : source[key] === 'preset' ? <span className="locked">preset by your organisation</span> : null;

  return (
    <main>
      <h1>Grafana SSO</h1>
      {notice ? (
        <p className={`notice ${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'}>
          {notice.text}
        </p>
      ) : null}

      <section>
        <h2>Token server</h2>
        <div className="row">
          <input
            type="url"
            aria-label="Token server URL"
            placeholder="https://sso.example.com"
            value={draftUrl ?? options.serverUrl}
            disabled={locked('serverUrl')}
            onChange={(e) => setDraftUrl(e.target.value)}
          />
          <button className="primary" onClick={connect}>
            {granted.server && draftUrl === null ? 'Reconnect' : locked('serverUrl') ? 'Connect' : 'Save and connect'}
          </button>
          <button onClick={testConnection} disabled={!options.serverUrl || !granted.server}>
            Test connection
          </button>
        </div>
        {lockNote('serverUrl')}
        {test ? <p className={`notice ${test.kind === 'info' ? '' : test.kind}`}>{test.text}</p> : null}
      </section>

      {config ? (
        <section>
          <h2>Grafana instances</h2>
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Address</th>
              </tr>
            </thead>
            <tbody>
              {config.instances.map((i) => (
                <tr key={i.id}>
                  <td>
                    {i.name}
                    {i.default ? <span className="muted"> (server default)</span> : null}
                  </td>
                  <td>{i.url}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {granted.grafana ? (
            <p className="notice ok">Access granted: open Grafana tabs stay signed in.</p>
          ) : (
            <div className="row">
              <button className="primary" onClick={grantGrafana}>
                Allow access to these Grafana sites
              </button>
              <span className="muted">Needed to keep open tabs signed in (a request header on these sites only).</span>
            </div>
          )}
          <label>
            Default instance{' '}
            <select value={options.defaultInstance} disabled={locked('defaultInstance')} onChange={(e) => void save('defaultInstance', e.target.value)}>
              <option value="">The server's default</option>
              {config.instances.map((i) => (
                <option key={i.id} value={i.id}>
                  {i.name}
                </option>
              ))}
            </select>
            {lockNote('defaultInstance')}
          </label>
        </section>
      ) : null}

      <section>
        <h2>Privacy</h2>
        <label>
          <input
            type="checkbox"
            checked={options.keepTokensOutOfUrls}
            disabled={locked('keepTokensOutOfUrls')}
            onChange={(e) => void save('keepTokensOutOfUrls', e.target.checked)}
          />{' '}
          Keep tokens out of URLs (open Grafana without <code>auth_token</code>; needs access to the Grafana sites)
          {lockNote('keepTokensOutOfUrls')}
        </label>
      </section>

      <section>
        <h2>Refresh</h2>
        <label>
          Refresh a token when less than{' '}
          <input
            type="number"
            min={0}
            aria-label="Minimum refresh margin in seconds"
            value={options.refreshMinMarginSeconds}
            disabled={locked('refreshMinMarginSeconds')}
            onChange={(e) => e.target.value !== '' && void save('refreshMinMarginSeconds', Number(e.target.value))}
          />{' '}
          seconds or{' '}
          <input
            type="number"
            min={0}
            max={90}
            aria-label="Refresh margin in percent of the lifetime"
            value={Math.round(options.refreshMarginRatio * 100)}
            disabled={locked('refreshMarginRatio')}
            onChange={(e) => e.target.value !== '' && void save('refreshMarginRatio', Number(e.target.value) / 100)}
          />{' '}
          % of its lifetime remains, whichever is more.
          {lockNote('refreshMinMarginSeconds')}
          {lockNote('refreshMarginRatio')}
        </label>
      </section>
    </main>
  );
}
