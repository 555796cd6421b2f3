// The action vocabulary lives in @ratchet/core, shared with the implement phase.
export { ACTION_TYPES, type KnownAction, KnownActionSchema } from '@ratchet/core';
