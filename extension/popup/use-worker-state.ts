// The worker's state for the popup: loaded once, followed through storage changes, and re-checked
// with the server when not signed in.
import { useEffect, useState } from 'react';
import browser from 'webextension-polyfill';
import { send, type PopupState } from '../common/messages';

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function useWorkerState() {
  const [state, setState] = useState<PopupState | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    const show = (s: PopupState) => alive && setState(s);
    const fail = (e: unknown) => alive && setError(errorText(e));
    const reload = () => send('getState').then(show, fail);
    send('getState')
      .then((s) => {
        show(s);
        // Signed in: tokens are kept fresh by alarms, no round trip. Otherwise ask the server again.
        if (s.status !== 'signed-in' && s.status !== 'unconfigured') return send('refresh').then(show);
      })
      .catch(fail);
    const onChanged = () => void reload();
    browser.storage.onChanged.addListener(onChanged);
    return () => {
      alive = false;
      browser.storage.onChanged.removeListener(onChanged);
    };
  }, []);
  return { state, error, setError, setState };
}
