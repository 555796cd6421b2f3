import {
  ACTION_TYPES,
  type FixAction,
  type KnownAction,
  KnownActionSchema,
  RatchetError,
} from '@ratchet/core';

export {
  ACTION_TYPES,
  type CommandAction,
  CommandActionSchema,
  type DeleteAction,
  DeleteActionSchema,
  type EditAction,
  EditActionSchema,
  type JsonSetAction,
  JsonSetActionSchema,
  type KnownAction,
  KnownActionSchema,
  type PatchAction,
  PatchActionSchema,
  type RestartAction,
  RestartActionSchema,
  type SetPrefAction,
  SetPrefActionSchema,
} from '@ratchet/core';

/** Validates every action of a fix; the error names the fix, the action's index and the bad field. */
export function parseActions(fixId: string, actions: readonly FixAction[]): KnownAction[] {
  return actions.map((action, index) => {
    const where = `fix '${fixId}': actions[${index}]`;
    if (!ACTION_TYPES.includes(action.type as (typeof ACTION_TYPES)[number])) {
      throw new RatchetError('ACTION_REFUSED', `${where}: unknown action type '${action.type}'`, {
        hint: `The implement phase knows: ${ACTION_TYPES.join(', ')}.`,
        details: { fixId, index, type: action.type },
      });
    }
    const parsed = KnownActionSchema.safeParse(action);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .map((issue) => `${issue.path.length ? issue.path.join('.') : '(action)'}: ${issue.message}`)
        .join('; ');
      throw new RatchetError('INPUT_INVALID', `${where} (${action.type}): ${problems}`, {
        hint: 'See the fix action table in docs/design/integration.md.',
        details: { fixId, index, type: action.type },
      });
    }
    return parsed.data;
  });
}
