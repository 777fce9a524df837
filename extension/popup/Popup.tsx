// The popup: the worker's state, the launcher when signed in (Launcher.tsx), what to do otherwise.
import { useCallback, useState, type ReactNode } from 'react';
import browser from 'webextension-polyfill';
import { send, type OpenTarget, type PopupState } from '../common/messages';
import { formatRemaining, hostOf } from '../ui/format';
import { useNow } from '../ui/use-now';
import { Account } from './Account';
import { Launcher } from './Launcher';
import { errorText, useWorkerState } from './use-worker-state';

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

  /** Opens a target; true when it opened (the caller closes the popup unless in the background). */
  const open = useCallback(
    async (target: OpenTarget): Promise<boolean> => {
      let opened = false;
      await act(async () => {
        const result = await send('open', target);
        if (result.ok) opened = true;
        else setError(result.message);
      });
      return opened;
    },
    [act, setError],
  );

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
      {state === null ? <p className="muted">Loading…</p> : statusView(state, { now, busy, open, signIn, openOptions })}
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
  p: { now: number; busy: boolean; open: (target: OpenTarget) => Promise<boolean>; signIn: () => void; openOptions: () => void },
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
    case 'signed-in': {
      const openAndClose = (target: OpenTarget) => void p.open(target).then((ok) => ok && window.close());
      return (
        <>
          {state.instances.some((i) => i.role !== null) ? (
            <Launcher state={state} busy={p.busy} onOpen={p.open} openOptions={p.openOptions} signIn={p.signIn} />
          ) : (
            <p className="notice error">Your account has no access to any Grafana instance. Ask your administrator for a role.</p>
          )}
          <Account state={state} now={p.now} busy={p.busy} onOpen={openAndClose} />
        </>
      );
    }
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
