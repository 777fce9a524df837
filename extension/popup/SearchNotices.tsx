// What the launcher says when it has nothing (or not everything) to list: each state names what to do.
import type { InstanceSearchStatus } from '../common/launcher';
import { hostOf } from '../ui/format';
import type { InstanceView } from '../common/messages';

export interface NoticeActions {
  retry: () => void;
  openOptions: () => void;
  signIn: () => void;
  /** Opens Grafana's own search for the query in an instance. */
  searchInGrafana: (instanceId: string) => void;
}

/** One notice per instance that could not be searched, except "no access", which is one quiet line. */
export function InstanceProblems(props: { statuses: InstanceSearchStatus[]; instances: InstanceView[]; actions: NoticeActions }) {
  const { statuses, actions } = props;
  const urlOf = (id: string) => props.instances.find((i) => i.id === id)?.url ?? '';
  const noAccess = statuses.filter((s) => s.problem === 'no-access').map((s) => s.instanceName);
  // Signed out is about every instance at once: say it once.
  const signedOut = statuses.some((s) => s.problem === 'signed-out');
  const others = statuses.filter((s) => s.problem !== null && s.problem !== 'no-access' && s.problem !== 'signed-out');
  return (
    <>
      {signedOut ? (
        <div className="notice error">
          You are signed out of the token server. <button onClick={actions.signIn}>Sign in</button>
        </div>
      ) : null}
      {others.map((s) => (
        <div key={s.instanceId} className="notice error" data-problem={s.problem}>
          {problemText(s, hostOf(urlOf(s.instanceId)))}
          {s.message && s.problem !== 'no-host-access' ? <span className="detail">{s.message}</span> : null}
          {s.problem === 'unreachable' ? <button onClick={actions.retry}>Retry</button> : null}
          {s.problem === 'no-host-access' ? <button onClick={actions.openOptions}>Open Options to allow access</button> : null}
        </div>
      ))}
      {noAccess.length ? (
        <p className="muted small">
          Not searched, no access: {noAccess.join(', ')}. Ask your administrator for a role.
        </p>
      ) : null}
    </>
  );
}

function problemText(s: InstanceSearchStatus, host: string): string {
  switch (s.problem) {
    case 'no-host-access':
      return `${s.instanceName}: the extension may not reach ${host || 'this Grafana'} yet.`;
    case 'unreachable':
      return `${s.instanceName} did not answer.`;
    case 'rejected':
      return `${s.instanceName} refused your token: ask an administrator to check its [auth.jwt] settings.`;
    case 'bad-answer':
      return `${s.instanceName} answered with something that is not Grafana's search.`;
    default:
      return `${s.instanceName} could not be searched.`;
  }
}

/** A query that matched nothing where it could look: say so, and offer Grafana's own search. */
export function NoMatches(props: { query: string; instances: { id: string; name: string }[]; actions: NoticeActions }) {
  return (
    <div className="empty">
      <p>No dashboards match “{props.query}”.</p>
      {props.instances.map((i) => (
        <button key={i.id} onClick={() => props.actions.searchInGrafana(i.id)}>
          {props.instances.length > 1 ? `Search in ${i.name}` : "Search in Grafana's own search"}
        </button>
      ))}
    </div>
  );
}
