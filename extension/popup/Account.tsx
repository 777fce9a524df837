// Who is signed in and each instance's role and token, folded away under the launcher: the
// launcher is what the popup is for, this is what to look at when something does not work.
import type { InstanceView, OpenTarget, PopupState } from '../common/messages';
import { formatRemaining } from '../ui/format';

export function Account(props: { state: PopupState; now: number; busy: boolean; onOpen: (target: OpenTarget) => void }) {
  const { state, now } = props;
  const user = state.user;
  return (
    <details className="account">
      <summary>
        {user ? <strong>{user.name}</strong> : 'Account'}
        <span className="muted"> · {state.instances.length === 1 ? '1 instance' : `${state.instances.length} instances`}</span>
      </summary>
      {user ? (
        <p className="muted who">
          {user.login}
          {user.email ? ` · ${user.email}` : ''}
        </p>
      ) : null}
      <ul className="instances">
        {state.instances.map((instance) => (
          <InstanceRow key={instance.id} instance={instance} now={now} busy={props.busy} onOpen={props.onOpen} />
        ))}
      </ul>
    </details>
  );
}

function InstanceRow(props: { instance: InstanceView; now: number; busy: boolean; onOpen: (target: OpenTarget) => void }) {
  const { instance, now } = props;
  const left = instance.tokenExpiresAt === null ? null : instance.tokenExpiresAt - now;
  return (
    <li data-instance={instance.id}>
      <div className="name">
        <span>
          {instance.name}
          {instance.isDefault ? <span className="muted"> (default)</span> : null}
        </span>
        <span className="muted">
          {instance.role === null
            ? 'no access'
            : left !== null && left > 0
              ? `token ${formatRemaining(left)} left`
              : 'no token yet'}
          {instance.role !== null && !instance.keepAlive ? ' · tabs not kept signed in (grant access in Options)' : ''}
        </span>
      </div>
      {instance.role !== null ? <span className="role">{instance.role}</span> : null}
      {instance.role !== null ? (
        <button onClick={() => props.onOpen({ instanceId: instance.id })} disabled={props.busy} aria-label={`Open ${instance.name}`}>
          Open
        </button>
      ) : null}
    </li>
  );
}
