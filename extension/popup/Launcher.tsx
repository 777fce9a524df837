// The launcher: a search box over every reachable instance's dashboards; with nothing typed, the
// user's starred and recent dashboards. Keyboard first: ↑/↓ move, Enter opens, Ctrl/⌘+Enter opens in
// the background and keeps the popup, Esc clears (and closes when already empty).
import { useEffect, useState, type KeyboardEvent } from 'react';
import { send, type OpenTarget, type PopupState } from '../common/messages';
import { CopyLink } from './CopyLink';
import { highlightIndex, launcherSections, moveHighlight, showsInstance, type LauncherItem, type Moved } from './launcher-items';
import { listboxId, optionId, ResultList } from './ResultList';
import { InstanceProblems, NoMatches, type NoticeActions } from './SearchNotices';
import { useSearch } from './use-search';

export function Launcher(props: {
  state: PopupState;
  busy: boolean;
  /** Opens a target; resolves true when it opened. */
  onOpen: (target: OpenTarget) => Promise<boolean>;
  openOptions: () => void;
  signIn: () => void;
}) {
  const { state, onOpen } = props;
  const [query, setQuery] = useState('');
  const { view, loading, failed, retry } = useSearch(query);
  // The highlight belongs to one answer: a new query starts again at its first result.
  const [moved, setMoved] = useState<Moved | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  useEffect(() => {
    // The context menu's "Search Grafana for …" left a query for this popup.
    send('takePendingQuery').then(
      (q) => q && setQuery((typed) => typed || q),
      () => undefined,
    );
  }, []);

  const sections = launcherSections(view, state.instances);
  const items = sections.flatMap((s) => s.items);
  const reachable = state.instances.filter((i) => i.role !== null);
  const defaultInstance = reachable.find((i) => i.isDefault) ?? reachable[0];
  const shown = view?.query ?? '';
  const active = highlightIndex(moved, view, items.length);
  const activeItem = active === null ? undefined : items[active];

  const openItem = async (item: LauncherItem, background: boolean) => {
    const opened = await onOpen({ instanceId: item.instanceId, path: item.path, title: item.title, background });
    if (!opened) return;
    if (background) setMessage(`Opened ${item.title} in the background`);
    else window.close();
  };
  const openHome = async () => {
    if (defaultInstance && (await onOpen({ instanceId: defaultInstance.id }))) window.close();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      setMoved({ seq: view?.seq ?? 0, index: moveHighlight(active, e.key, items.length) });
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (props.busy) return;
      if (activeItem) void openItem(activeItem, e.ctrlKey || e.metaKey);
      // Nothing highlighted, nothing typed: Enter still opens Grafana, as it always did.
      else if (query.trim() === '') void openHome();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      if (query) setQuery('');
      else window.close();
    }
  };

  const actions: NoticeActions = {
    retry,
    openOptions: props.openOptions,
    signIn: props.signIn,
    searchInGrafana: (instanceId) => void onOpen({ instanceId, path: `/dashboards?query=${encodeURIComponent(shown)}` }).then((ok) => ok && window.close()),
  };
  const statuses = view?.instances ?? [];
  const searchedFine = reachable.filter((i) => statuses.some((s) => s.instanceId === i.id && s.problem === null));
  const announcement = message ?? (failed ? 'Search did not answer' : loading ? '' : searchedFine.length ? summary(shown, items.length) : 'No instance could be searched');

  return (
    <section className="launcher" aria-label="Dashboards">
      <input
        className="search"
        type="text"
        role="combobox"
        aria-label="Search dashboards"
        aria-describedby="launcher-keys"
        aria-autocomplete="list"
        aria-expanded={items.length > 0}
        aria-controls={listboxId}
        aria-activedescendant={activeItem ? optionId(activeItem) : undefined}
        placeholder="Search dashboards"
        autoComplete="off"
        spellCheck={false}
        autoFocus
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setMessage(null);
        }}
        onKeyDown={onKeyDown}
      />
      <p id="launcher-keys" className="muted small keys">
        ↑↓ move · Enter open · Ctrl/⌘+Enter in background · Esc clear
      </p>
      <ResultList
        sections={sections}
        active={active}
        showInstance={showsInstance(state.instances)}
        onHover={(index) => setMoved({ seq: view?.seq ?? 0, index })}
        onChoose={(item, background) => void openItem(item, background)}
      />
      {loading && items.length === 0 ? <p className="muted">{query.trim() ? 'Searching…' : 'Loading your dashboards…'}</p> : null}
      {!loading && items.length === 0 && shown !== '' && searchedFine.length > 0 ? <NoMatches query={shown} instances={searchedFine} actions={actions} /> : null}
      {!loading && items.length === 0 && shown === '' && searchedFine.length > 0 ? (
        <p className="muted empty">No starred or recent dashboards yet: type to search, or star dashboards in Grafana.</p>
      ) : null}
      {failed ? (
        <div className="notice error">
          The extension's background did not answer the search. <button onClick={retry}>Retry</button>
        </div>
      ) : null}
      <InstanceProblems statuses={statuses} instances={state.instances} actions={actions} />
      <p role="status" className="sr-only">
        {announcement}
      </p>
      <div className="tools">
        {defaultInstance ? (
          <button className="open-default" onClick={() => void openHome()} disabled={props.busy}>
            Open Grafana
          </button>
        ) : null}
        <CopyLink announce={setMessage} />
      </div>
    </section>
  );
}

/** The live region's words once an answer is complete. */
function summary(query: string, count: number): string {
  const dashboards = `${count} ${count === 1 ? 'dashboard' : 'dashboards'}`;
  if (query) return count ? `${dashboards} found` : `No dashboards match ${query}`;
  return count ? `${dashboards}: starred and recent` : 'No starred or recent dashboards';
}
