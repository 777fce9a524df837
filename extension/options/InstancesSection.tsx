import type { PublicConfig } from '../../server/contract/index.ts';
import type { Options, ResolvedOptions } from '../common/options';
import { releaseOriginsExcept, requestOrigins } from '../common/permissions';
import { LockNote, type Notice } from './LockNote';
import type { Granted } from './use-granted';
import { errorText } from './use-options';

/** The server's Grafana instances, host access to them, and the default one to open. */
export function InstancesSection(props: {
  resolved: ResolvedOptions;
  config: PublicConfig;
  granted: Granted;
  save: <K extends keyof Options>(key: K, value: Options[K]) => Promise<void>;
  onNotice: (notice: Notice) => void;
}) {
  const { resolved, config, granted, save, onNotice } = props;
  const { options } = resolved;

  // Runs in the click handler: permissions.request must be the first await of a user gesture.
  const grantGrafana = async () => {
    const urls = config.instances.map((i) => i.url);
    try {
      const ok = await requestOrigins(urls);
      if (ok) await releaseOriginsExcept([options.serverUrl, ...urls]);
      onNotice(ok ? { kind: 'ok', text: 'Grafana tabs will stay signed in.' } : { kind: 'error', text: 'Access to the Grafana sites was not granted.' });
    } catch (error) {
      onNotice({ kind: 'error', text: errorText(error) });
    }
  };

  return (
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
        <>
          {granted.known && granted.missingGrafana.length > 0 ? (
            <p className="notice error" role="alert">
              No access to {granted.missingGrafana.map((i) => `${i.name} (${new URL(i.url).origin})`).join(', ')}: Grafana still opens signed in by the
              token in its URL, but open tabs there do not stay signed in.
            </p>
          ) : null}
          <div className="row">
            <button className="primary" onClick={grantGrafana}>
              Allow access to these Grafana sites
            </button>
            <span className="muted">Needed to keep open tabs signed in (a request header on these sites only).</span>
          </div>
        </>
      )}
      <label>
        Default instance{' '}
        <select value={options.defaultInstance} disabled={resolved.locked.includes('defaultInstance')} onChange={(e) => void save('defaultInstance', e.target.value)}>
          <option value="">The server's default</option>
          {config.instances.map((i) => (
            <option key={i.id} value={i.id}>
              {i.name}
            </option>
          ))}
        </select>
        <LockNote resolved={resolved} option="defaultInstance" />
      </label>
    </section>
  );
}
