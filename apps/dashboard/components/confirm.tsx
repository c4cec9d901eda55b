'use client';

import type { ReactNode } from 'react';

/**
 * An action asked about before it is done: what will happen (the legend), any choice it needs
 * (children), the button that does it, and the way back. Used for every destructive action.
 */
export function Confirm(props: {
  legend: string;
  action: string;
  pending: boolean;
  onConfirm: () => void;
  onBack: () => void;
  problem?: string;
  /** The action cannot be undone (a red button); default true. */
  danger?: boolean;
  /** Disables the action (e.g. nothing chosen yet). */
  disabled?: boolean;
  children?: ReactNode;
}) {
  return (
    <fieldset className="confirm">
      <legend>{props.legend}</legend>
      {props.children}
      <button
        type="button"
        className={props.danger === false ? 'button primary' : 'button danger'}
        disabled={props.pending || props.disabled}
        onClick={props.onConfirm}
      >
        {props.action}
      </button>
      <button type="button" className="button" onClick={props.onBack}>
        Back
      </button>
      {props.problem && <p className="form-error">{props.problem}</p>}
    </fieldset>
  );
}
