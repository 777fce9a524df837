import { useState } from 'react';
import type { ServerCheck } from '../common/messages';
import { saveUserOptions, type ResolvedOptions } from '../common/options';
import { requestOrigins } from '../common/permissions';
import { normalizeServerUrl } from '../common/urls';
import { LockNote, NoticeLine, type Notice } from './LockNote';
import type { Granted } from './use-granted';
import { errorText } from './use-options';

/** What "Test connection" tells, from the worker's check. */
export function checkText(check: ServerCheck | null): Notice {
  if (!check) return { kind: 'error', text: 'The extension has no access to the token server yet.' };
  if (check.ok) {
    return check.user
      ? { kind: 'ok', text: `Server reachable; signed in as ${check.user.name} (${check.user.login}).` }
      : { kind: 'info', text: 'Server reachable; you are not signed in.' };
  }
  return { kind: 'error', text: check.code === 'unreachable' ? `Server unreachable: ${check.message}` : check.message };
}

export function ServerSection(props: {
  resolved: ResolvedOptions;
  granted: Granted;
  recheck: () => Promise<ServerCheck | null>;
  onNotice: (notice: Notice) => void;
}) {
  const { resolved, granted, recheck, onNotice } = props;
  const serverGranted = granted.server;
  const { options } = resolved;
  const locked = resolved.locked.includes('serverUrl');
  const [draftUrl, setDraftUrl] = useState<string | null>(null);
  const [test, setTest] = useState<Notice>(null);

  // Runs in the click handler: permissions.request must be the first await of a user gesture.
  const connect = async () => {
    onNotice(null);
    const url = locked ? options.serverUrl : normalizeServerUrl(draftUrl ?? options.serverUrl);
    if (!url) return onNotice({ kind: 'error', text: 'Enter an http(s) URL such as https://sso.example.com.' });
    try {
      if (!(await requestOrigins([url]))) {
        return onNotice({ kind: 'error', text: `Access to ${url} was not granted: the extension cannot reach the server without it.` });
      }
      // A new URL is checked once the options are re-read; the same URL is checked again now.
      if (!locked && url !== options.serverUrl) await saveUserOptions({ serverUrl: url });
      else await recheck();
      setDraftUrl(null);
      onNotice({ kind: 'ok', text: 'Connected. Now allow access to the Grafana sites below.' });
    } catch (error) {
      onNotice({ kind: 'error', text: errorText(error) });
    }
  };

  const testConnection = async () => {
    setTest({ kind: 'info', text: 'Testing…' });
    setTest(checkText(await recheck()));
  };

  return (
    <section>
      <h2>Token server</h2>
      <div className="row">
        <input
          type="url"
          aria-label="Token server URL"
          placeholder="https://sso.example.com"
          value={draftUrl ?? options.serverUrl}
          disabled={locked}
          onChange={(e) => setDraftUrl(e.target.value)}
        />
        <button className="primary" onClick={connect}>
          {serverGranted && draftUrl === null ? 'Reconnect' : locked ? 'Connect' : 'Save and connect'}
        </button>
        <button onClick={testConnection} disabled={!options.serverUrl || !serverGranted}>
          Test connection
        </button>
      </div>
      <LockNote resolved={resolved} option="serverUrl" />
      {granted.known && options.serverUrl && !serverGranted ? (
        <p className="notice error" role="alert">
          The extension has no access to {new URL(options.serverUrl).origin}, the token server: press the button above to allow it. Until then it
          cannot sign you in or get tokens.
        </p>
      ) : null}
      <NoticeLine notice={test} role="status" />
    </section>
  );
}
