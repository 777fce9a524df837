import { useCallback, useEffect, useState } from 'react';
import { send, type ServerCheck } from '../common/messages';
import { hasOrigins } from '../common/permissions';
import { errorText } from './use-options';

/**
 * The worker's check of the configured server (its config, and who is signed in there), redone when
 * the server URL changes and on demand. Null until there is a server the extension may reach.
 */
export function useServerCheck(serverUrl: string) {
  const [check, setCheck] = useState<ServerCheck | null>(null);
  const [error, setError] = useState<string | null>(null);

  const recheck = useCallback(async (): Promise<ServerCheck | null> => {
    setError(null);
    if (!serverUrl || !(await hasOrigins([serverUrl]))) {
      setCheck(null);
      return null;
    }
    try {
      const result = await send('checkServer');
      setCheck(result);
      return result;
    } catch (e) {
      setCheck(null);
      setError(errorText(e));
      return null;
    }
  }, [serverUrl]);

  useEffect(() => void recheck(), [recheck]);
  const config = check?.ok && check.serverUrl === serverUrl ? check.config : null;
  return { check, config, error, recheck };
}
