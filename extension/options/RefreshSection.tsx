import { useState } from 'react';
import { isValidOption, optionBounds, type Options, type ResolvedOptions } from '../common/options';
import { LockNote } from './LockNote';

/**
 * A number input for one option, shown in `scale` units (100: percent of a ratio). What it accepts is
 * decided by the options validator itself, so the input and the stored value cannot disagree.
 */
function NumberField<K extends 'refreshMinMarginSeconds' | 'refreshMarginRatio'>(props: {
  resolved: ResolvedOptions;
  option: K;
  label: string;
  scale: number;
  save: (key: K, value: Options[K]) => Promise<void>;
}) {
  const { resolved, option, scale } = props;
  const [draft, setDraft] = useState<string | null>(null);
  const { min, max } = optionBounds[option];
  const [shownMin, shownMax] = [min * scale, max === undefined ? undefined : Math.round(max * scale)];
  const text = draft ?? String(Math.round(resolved.options[option] * scale * 100) / 100);
  const value = text.trim() === '' ? Number.NaN : Number(text) / scale;
  const valid = isValidOption(option, value);
  return (
    <>
      <input
        type="number"
        min={shownMin}
        max={shownMax}
        aria-label={props.label}
        aria-invalid={!valid}
        value={text}
        disabled={resolved.locked.includes(option)}
        onChange={(e) => {
          const next = e.target.value;
          setDraft(next);
          const parsed = next.trim() === '' ? Number.NaN : Number(next) / scale;
          if (isValidOption(option, parsed)) void props.save(option, parsed as Options[K]);
        }}
        onBlur={() => valid && setDraft(null)}
      />
      {valid ? null : (
        <span className="notice error" role="alert">
          {shownMax === undefined ? `Enter a number of at least ${shownMin}.` : `Enter a number from ${shownMin} to ${shownMax}.`}
        </span>
      )}
    </>
  );
}

export function RefreshSection(props: { resolved: ResolvedOptions; save: <K extends keyof Options>(key: K, value: Options[K]) => Promise<void> }) {
  const { resolved, save } = props;
  return (
    <section>
      <h2>Refresh</h2>
      <label>
        Refresh a token when less than{' '}
        <NumberField resolved={resolved} option="refreshMinMarginSeconds" label="Minimum refresh margin in seconds" scale={1} save={save} /> seconds or{' '}
        <NumberField resolved={resolved} option="refreshMarginRatio" label="Refresh margin in percent of the lifetime" scale={100} save={save} /> % of its
        lifetime remains, whichever is more.
        <LockNote resolved={resolved} option="refreshMinMarginSeconds" />
        <LockNote resolved={resolved} option="refreshMarginRatio" />
      </label>
    </section>
  );
}
