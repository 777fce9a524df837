import { useCallback, useEffect, useState } from 'react';
import browser from 'webextension-polyfill';
import { affectsOptions, readOptions, saveUserOptions, type Options, type ResolvedOptions } from '../common/options';

/** The resolved options, re-read whenever the user's or the administrator's values change. */
export function useOptions(): ResolvedOptions | null {
  const [resolved, setResolved] = useState<ResolvedOptions | null>(null);
  useEffect(() => {
    let alive = true;
    const reload = () => void readOptions().then((r) => alive && setResolved(r));
    const onChanged = (changes: Record<string, unknown>, area: string) => affectsOptions(changes, area) && reload();
    reload();
    browser.storage.onChanged.addListener(onChanged);
    return () => {
      alive = false;
      browser.storage.onChanged.removeListener(onChanged);
    };
  }, []);
  return resolved;
}

/** Saves one user option; a refused value comes back as the error text. */
export function useSaveOption(onError: (text: string) => void) {
  return useCallback(
    <K extends keyof Options>(key: K, value: Options[K]) =>
      saveUserOptions({ [key]: value } as Partial<Options>).catch((error: unknown) => onError(errorText(error))),
    [onError],
  );
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
