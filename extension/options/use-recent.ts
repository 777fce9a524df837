import { useCallback, useEffect, useState } from 'react';
import { send } from '../common/messages';
import { errorText } from './use-options';

/** How many dashboards the launcher's Recent holds (from the worker), and clearing it. */
export function useRecent() {
  const [count, setCount] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(async () => {
    try {
      const list = await send('recentDashboards');
      setCount(Array.isArray(list) ? list.length : 0);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  }, []);
  const clear = useCallback(async () => {
    try {
      await send('clearRecent');
    } catch (e) {
      setError(errorText(e));
    }
    await reload();
  }, [reload]);
  useEffect(() => void reload(), [reload]);
  return { count, error, clear };
}
