import type { Options, ResolvedOptions } from '../common/options';
import { LockNote } from './LockNote';
import { useRecent } from './use-recent';

export function PrivacySection(props: {
  resolved: ResolvedOptions;
  grafanaGranted: boolean;
  save: <K extends keyof Options>(key: K, value: Options[K]) => Promise<void>;
}) {
  const { resolved, grafanaGranted, save } = props;
  const on = resolved.options.keepTokensOutOfUrls;
  const recent = useRecent();
  return (
    <section>
      <h2>Privacy</h2>
      <label>
        <input
          type="checkbox"
          checked={on}
          disabled={resolved.locked.includes('keepTokensOutOfUrls')}
          onChange={(e) => void save('keepTokensOutOfUrls', e.target.checked)}
        />{' '}
        Keep tokens out of URLs (open Grafana without <code>auth_token</code>; needs access to the Grafana sites)
        <LockNote resolved={resolved} option="keepTokensOutOfUrls" />
      </label>
      {on && !grafanaGranted ? (
        <p className="notice error" role="alert">
          Grafana cannot be opened signed in until you allow access to the Grafana sites above: without it no token reaches Grafana.
        </p>
      ) : null}
      <h3>Recent dashboards</h3>
      <p>
        The launcher remembers the dashboards you opened (their address without query, title, instance and time; never a token or what
        the dashboard shows), on this computer, until you sign out or clear them.
      </p>
      <p aria-live="polite">
        {recent.error ? `Could not read them: ${recent.error} ` : recent.count === null ? null : recent.count === 0 ? 'None remembered. ' : `${recent.count} remembered. `}
        <button type="button" disabled={!recent.count} onClick={() => void recent.clear()}>
          Clear recent dashboards
        </button>
      </p>
    </section>
  );
}
