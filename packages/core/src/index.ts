import 'reflect-metadata';

export * from './contracts/events.js';
export * from './contracts/exit-policy.js';
export * from './contracts/logger.js';
export * from './contracts/phase.js';
export * from './contracts/phase-module.js';
export * from './contracts/schemas.js';
export * from './contracts/state.js';
export * from './di/tokens.js';
export * from './engine/objective.js';
export * from './errors/ratchet-error.js';
export * from './stats/index.js';
