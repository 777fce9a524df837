// The launcher's listbox (ARIA combobox pattern): labelled groups of options; the search box keeps
// the focus and points at the highlighted option with aria-activedescendant.
import { useEffect, type MouseEvent } from 'react';
import type { LauncherItem, LauncherSection } from './launcher-items';

export const listboxId = 'launcher-results';
export const optionId = (item: LauncherItem) => `launcher-option-${item.key.replace(/[^\w-]/g, '_')}`;

export function ResultList(props: {
  sections: LauncherSection[];
  active: number | null;
  showInstance: boolean;
  onHover: (index: number) => void;
  onChoose: (item: LauncherItem, background: boolean) => void;
}) {
  const { sections, active } = props;
  const activeItem = active === null ? undefined : sections.flatMap((s) => s.items)[active];
  useEffect(() => {
    if (activeItem) document.getElementById(optionId(activeItem))?.scrollIntoView?.({ block: 'nearest' });
  }, [activeItem]);

  let index = 0;
  return (
    <div id={listboxId} role="listbox" aria-label="Dashboards" className="results">
      {sections.map((section) => (
        <div key={section.id} role="group" aria-labelledby={`launcher-section-${section.id}`}>
          <div role="presentation" id={`launcher-section-${section.id}`} className="section">
            {section.label}
          </div>
          {section.items.map((item) => {
            const i = index++;
            const choose = (e: MouseEvent) => props.onChoose(item, e.ctrlKey || e.metaKey || e.button === 1);
            return (
              <div
                key={item.key}
                id={optionId(item)}
                role="option"
                aria-selected={i === active}
                className={i === active ? 'option active' : 'option'}
                data-instance={item.instanceId}
                // Keep the focus in the search box: the keyboard goes on where the mouse left off.
                onMouseDown={(e) => e.preventDefault()}
                onMouseMove={() => i !== active && props.onHover(i)}
                onClick={choose}
                onAuxClick={(e) => e.button === 1 && choose(e)}
              >
                <span className="title">
                  {item.isStarred ? (
                    <span className="star" aria-label="starred" role="img">
                      ★
                    </span>
                  ) : null}
                  {item.title}
                </span>
                <span className="where muted">
                  {[item.folder, props.showInstance ? item.instanceName : null].filter(Boolean).join(' · ')}
                </span>
              </div>
            );
          })}
        </div>
      ))}
    </div>
  );
}
