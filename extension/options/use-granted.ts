import { useCallback, useEffect, useState } from 'react';
import browser from 'webextension-polyfill';
import type { PublicConfig } from '../../server/contract/index.ts';
import { hasOrigins } from '../shared/permissions';

export interface Granted {
  /** Host access to the token server: the worker can call it. */
  server: boolean;
  /** Host access to every Grafana origin: the header rule keeps tabs signed in. */
  grafana: boolean;
}

/** Which host permissions the extension holds, followed as they are granted or removed. */
export function useGranted(serverUrl: string, config: PublicConfig | null): Granted {
  const [granted, setGranted] = useState<Granted>({ server: false, grafana: false });
  const refresh = useCallback(async () => {
    const server = serverUrl ? await hasOrigins([serverUrl]) : false;
    const grafana = config ? await hasOrigins(config.instances.map((i) => i.url)) : false;
    setGranted({ server, grafana });
  }, [serverUrl, config]);

  useEffect(() => {
    void refresh();
    const onChange = () => void refresh();
    browser.permissions.onAdded.addListener(onChange);
    browser.permissions.onRemoved.addListener(onChange);
    return () => {
      browser.permissions.onAdded.removeListener(onChange);
      browser.permissions.onRemoved.removeListener(onChange);
    };
  }, [refresh]);
  return granted;
}
