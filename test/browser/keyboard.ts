// Keyboard use in the real-browser tests: what has focus, and whether a focus indicator is drawn on it.
import { expect } from 'vitest';
import type { TestPage } from './driver';

/** The focused element: its name as a person hears it, and whether an indicator is drawn around it. */
export interface FocusStop {
  name: string;
  /** :focus-visible matches and it has an outline at least 2px wide, or a box-shadow. */
  indicator: boolean;
}

/** In the page: the focused element as a FocusStop ("(page)" when focus is on the document itself). */
function focusStop(): FocusStop {
  const el = document.activeElement as HTMLElement | null;
  if (!el || el === document.body) return { name: '(page)', indicator: false };
  const field = el as HTMLInputElement;
  // The name: aria-label, else the label's own text (without the controls inside it), else the text.
  let name = el.getAttribute('aria-label') ?? '';
  const label = field.labels?.[0];
  if (!name && label) {
    const copy = label.cloneNode(true) as HTMLElement;
    copy.querySelectorAll('input, select, textarea, .locked').forEach((c) => c.remove());
    name = copy.textContent ?? '';
  }
  if (!name) name = el.textContent ?? '';
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  const shadow = style.boxShadow !== 'none';
  return { name: name.replace(/\s+/g, ' ').trim(), indicator: el.matches(':focus-visible') && (outline || shadow) };
}

export const focused = (page: TestPage): Promise<FocusStop> => page.evaluate(focusStop, null);

/**
 * Presses `key` (Tab, Shift+Tab) once per expected name and checks where focus lands each time: the
 * element named so, with a focus indicator drawn. Names may be patterns (long labels).
 */
export async function expectFocusOrder(page: TestPage, names: (string | RegExp)[], key = 'Tab'): Promise<void> {
  const stops: FocusStop[] = [];
  for (let i = 0; i < names.length; i++) {
    await page.press(key);
    stops.push(await focused(page));
  }
  expect(stops, `focus order on ${key}`).toEqual(names.map((name) => ({ name: typeof name === 'string' ? name : expect.stringMatching(name), indicator: true })));
}
