export {
  createSubprocessPhase,
  type SubprocessPhaseContext,
  type SubprocessPhaseOf,
} from './create-subprocess-phase.js';
export { parseDuration } from './duration.js';
export { type JsonErrorLocation, locateJsonError } from './json-location.js';
export {
  type PlaceholderValues,
  type ProgressLine,
  parseProgressLine,
  SUBPROCESS_PROTOCOL_VERSION,
  type SubprocessPhaseName,
  type SubprocessRequest,
  substitutePlaceholders,
} from './protocol.js';
export { RESULT_SCHEMAS, type ResultOf, validateResult } from './result-schemas.js';
export {
  DEFAULT_KILL_GRACE_MS,
  DEFAULT_MAX_OUTPUT_BYTES,
  DEFAULT_TIMEOUT_MS,
  type ResolvedSubprocessSpec,
  resolveSubprocessSpec,
  type SubprocessPhaseSpec,
  SubprocessPhaseSpecSchema,
} from './spec.js';
