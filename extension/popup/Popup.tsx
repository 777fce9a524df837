import { useCallback, useEffect, useState, type ReactNode } from 'react';
import browser from 'webextension-polyfill';
import { send, type InstanceView, type PopupState } from '../common/messages';
import { formatRemaining, hostOf } from '../ui/format';
import { useNow } from '../ui/use-now';

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Loads the worker's state, follows storage changes, and re-checks the server when not signed in. */
function useWorkerState() {
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

export function Popup() {
  const { state, error, setError, setState } = useWorkerState();
  const [busy, setBusy] = useState(false);
  const now = useNow();

  const act = useCallback(
    async (task: () => Promise<void>) => {
      setBusy(true);
      setError(null);
      try {
        await task();
      } catch (e) {
        setError(errorText(e));
      } finally {
        setBusy(false);
      }
    },
    [setError],
  );

  const open = useCallback(
    (instanceId?: string) =>
      act(async () => {
        const result = await send('open', instanceId ? { instanceId } : {});
        if (result.ok) window.close();
        else setError(result.message);
      }),
    [act, setError],
  );

  const defaultInstance = state?.instances.find((i) => i.isDefault && i.role !== null);

  useEffect(() => {
    // Enter opens the default instance, wherever the focus is (a focused button handles its own Enter).
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Enter' || !defaultInstance || busy) return;
      if (event.target instanceof HTMLButtonElement || event.target instanceof HTMLInputElement) return;
      event.preventDefault();
      void open(defaultInstance.id);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [defaultInstance, busy, open]);

  const signIn = () => act(async () => void (await send('signIn')));
  const signOut = () => act(async () => void (await send('signOut')));
  const retry = () => act(async () => setState(await send('refresh')));
  const openOptions = () => void browser.runtime.openOptionsPage();

  return (
    <main aria-busy={busy || state === null}>
      <header>
        <h1>Grafana SSO</h1>
        {state?.serverUrl ? <span className="muted">{hostOf(state.serverUrl)}</span> : null}
      </header>
      {state?.problem ? <Problem problem={state.problem} now={now} onRetry={retry} busy={busy} /> : null}
      {error ? (
        <p className="notice error" role="alert">
          {error}
        </p>
      ) : null}
      {state === null ? <p className="muted">Loading…</p> : statusView(state, { defaultInstance, now, busy, open, signIn, openOptions })}
      <footer>
        <button className="link" onClick={openOptions}>
          Options
        </button>
        {state?.status === 'signed-in' ? (
          <button className="link" onClick={signOut} disabled={busy}>
            Sign out
          </button>
        ) : null}
      </footer>
    </main>
  );
}

/** The body for each status: a switch over every status, so a new one does not compile until it is shown. */
function statusView(
  state: PopupState,
  p: { defaultInstance: InstanceView | undefined; now: number; busy: boolean; open: (id?: string) => void; signIn: () => void; openOptions: () => void },
): ReactNode {
  switch (state.status) {
    case 'unconfigured':
      return (
        <>
          <p>No token server is configured yet.</p>
          <button className="primary" onClick={p.openOptions}>
            Open options
          </button>
        </>
      );
    case 'checking':
      return state.problem ? null : <p className="muted">Checking your session…</p>;
    case 'signed-out':
      return (
        <>
          <p>You are signed out.</p>
          <button className="primary" onClick={p.signIn} disabled={p.busy} autoFocus>
            Sign in
          </button>
        </>
      );
    case 'signed-in':
      return <SignedIn state={state} defaultInstance={p.defaultInstance} now={p.now} busy={p.busy} onOpen={p.open} />;
    default:
      return state.status satisfies never;
  }
}

function Problem(props: { problem: NonNullable<PopupState['problem']>; now: number; busy: boolean; onRetry: () => void }) {
  const { problem, now } = props;
  const unreachable = problem.code === 'unreachable';
  return (
    <div className="notice error" role="alert">
      <p style={{ margin: 0 }}>{unreachable ? 'The token server is unreachable.' : problem.message}</p>
      {unreachable ? <p className="muted" style={{ margin: '4px 0' }}>{problem.message}</p> : null}
      {problem.retryAt !== null && problem.retryAt > now ? (
        <span className="muted">Retrying in {formatRemaining(problem.retryAt - now)}. </span>
      ) : null}
      <button onClick={props.onRetry} disabled={props.busy}>
        Retry now
      </button>
    </div>
  );
}

function SignedIn(props: { state: PopupState; defaultInstance: InstanceView | undefined; now: number; busy: boolean; onOpen: (id?: string) => void }) {
  const { state, defaultInstance, now, busy, onOpen } = props;
  const user = state.user;
  const accessible = state.instances.filter((i) => i.role !== null);
  return (
    <>
      {user ? (
        <div className="who">
          <strong>{user.name}</strong>
          <span className="muted">
            {user.login}
            {user.email ? ` · ${user.email}` : ''}
          </span>
        </div>
      ) : null}
      {accessible.length === 0 ? (
        <p className="notice error">Your account has no access to any Grafana instance. Ask your administrator for a role.</p>
      ) : defaultInstance ? (
        <button className="primary open-default" onClick={() => onOpen(defaultInstance.id)} disabled={busy} autoFocus>
          Open Grafana
        </button>
      ) : null}
      <ul className="instances">
        {state.instances.map((instance) => (
          <InstanceRow key={instance.id} instance={instance} now={now} busy={busy} onOpen={onOpen} />
        ))}
      </ul>
    </>
  );
}

function InstanceRow(props: { instance: InstanceView; now: number; busy: boolean; onOpen: (id?: string) => void }) {
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
        <button onClick={() => props.onOpen(instance.id)} disabled={props.busy} aria-label={`Open ${instance.name}`}>
          Open
        </button>
      ) : null}
    </li>
  );
}
