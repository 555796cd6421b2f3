import type { FixAction } from '@ratchet/core';
import { ACTION_TYPES, KnownActionSchema } from './action-schemas.js';

export interface ActionProblem {
  /** Dot path inside the action, e.g. `argv` or `value`. */
  path: string;
  message: string;
}

/** Checks one action against the vocabulary; returns the problems found (none when it is valid). */
export function checkAction(action: unknown): ActionProblem[] {
  if (action === null || typeof action !== 'object' || Array.isArray(action)) {
    return [{ path: '', message: 'an action must be an object with a `type`' }];
  }
  const type = (action as { type?: unknown }).type;
  if (typeof type !== 'string' || !(ACTION_TYPES as readonly string[]).includes(type)) {
    return [
      {
        path: 'type',
        message: `unknown action type ${JSON.stringify(type)}; expected one of ${ACTION_TYPES.join(', ')}`,
      },
    ];
  }
  const parsed = KnownActionSchema.safeParse(action);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message:
      issue.code === 'unrecognized_keys'
        ? `unknown key(s) ${issue.keys.join(', ')} for ${type}`
        : issue.message,
  }));
}

export function isValidAction(action: unknown): action is FixAction {
  return checkAction(action).length === 0;
}
