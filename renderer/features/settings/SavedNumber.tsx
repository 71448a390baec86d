/**
 * A number setting that saves when the user leaves it or presses Enter. What
 * the user typed stays as typed: a value out of range or an empty box is not
 * sent (nor quietly changed to the nearest allowed value, which showed a
 * number that was never saved) but marked with what to enter instead.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { NumberInput } from '@mantine/core';

export interface SavedNumberProps {
  readonly label: ReactNode;
  /** The engine's words about the last save of this field. */
  readonly error?: string;
  readonly description?: string;
  readonly value: number;
  readonly min?: number;
  readonly max?: number;
  readonly step?: number;
  readonly decimalScale?: number;
  /** Whole numbers only (a port, a count). */
  readonly integer?: boolean;
  readonly suffix?: string;
  readonly disabled?: boolean;
  readonly onSave: (value: number) => void;
}

/** Why a typed value cannot be saved, in the field's own unit; null when it can. */
export function numberProblem(draft: number | string, limits: { readonly min?: number; readonly max?: number; readonly integer?: boolean; readonly suffix?: string }): string | null {
  const unit = limits.suffix ?? '';
  const range =
    limits.min !== undefined && limits.max !== undefined
      ? `Enter a number from ${limits.min}${unit} to ${limits.max}${unit}.`
      : limits.min !== undefined
        ? `Enter ${limits.min}${unit} or more.`
        : limits.max !== undefined
          ? `Enter ${limits.max}${unit} or less.`
          : 'Enter a number.';
  if (typeof draft === 'string' && draft.trim() === '') return `Empty: ${range.charAt(0).toLowerCase()}${range.slice(1)}`;
  const value = typeof draft === 'number' ? draft : Number(draft);
  if (!Number.isFinite(value)) return range;
  if ((limits.min !== undefined && value < limits.min) || (limits.max !== undefined && value > limits.max)) return range;
  if (limits.integer && !Number.isInteger(value)) return `Enter a whole number${limits.min !== undefined && limits.max !== undefined ? ` from ${limits.min} to ${limits.max}` : ''}.`;
  return null;
}

export function SavedNumber(props: SavedNumberProps) {
  const [draft, setDraft] = useState<number | string>(props.value);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    setDraft(props.value);
    setProblem(null);
  }, [props.value]);
  const limits = { min: props.min, max: props.max, integer: props.integer, suffix: props.suffix };
  const commit = () => {
    // Left as it was: nothing to check or save (a saved value the box shows rounded may sit outside its limits).
    if (draft === props.value) return;
    const found = numberProblem(draft, limits);
    setProblem(found);
    if (found) return;
    const value = typeof draft === 'number' ? draft : Number(draft);
    if (value !== props.value) props.onSave(value);
  };
  return (
    <NumberInput
      label={props.label}
      description={props.description}
      value={draft}
      min={props.min}
      max={props.max}
      clampBehavior="none"
      allowDecimal={!props.integer}
      step={props.step}
      decimalScale={props.decimalScale}
      suffix={props.suffix}
      disabled={props.disabled}
      error={problem ?? props.error}
      onChange={(next) => {
        setDraft(next);
        if (problem) setProblem(null);
      }}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit();
      }}
      w={280}
    />
  );
}
