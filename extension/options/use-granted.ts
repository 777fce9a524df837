import { useCallback, useEffect, useState } from 'react';
import browser from 'webextension-polyfill';
import type { PublicConfig } from '../../server/contract/index.ts';
import { hasOrigins } from '../common/permissions';

export interface Granted {
  /** False until the first answer: nothing is reported missing before it is known. */
  known: boolean;
  /** Host access to the token server: the worker can call it. */
  server: boolean;
  /** Host access to every Grafana origin: the header rule keeps tabs signed in. */
  grafana: boolean;
  /** The Grafana instances whose origin is not granted (Firefox users can withdraw any at any time). */
  missingGrafana: PublicConfig['instances'];
}

/** Which host permissions the extension holds, followed as they are granted or removed. */
export function useGranted(serverUrl: string, config: PublicConfig | null): Granted {
  const [granted, setGranted] = useState<Granted>({ known: false, server: false, grafana: false, missingGrafana: [] });
  const refresh = useCallback(async () => {
    const server = serverUrl ? await hasOrigins([serverUrl]) : false;
    const instances = config?.instances ?? [];
    const has = await Promise.all(instances.map((i) => hasOrigins([i.url])));
    const missingGrafana = instances.filter((_, n) => !has[n]);
    setGranted({ known: true, server, grafana: config !== null && missingGrafana.length === 0, missingGrafana });
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
