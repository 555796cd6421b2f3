export * from './grammar.js';
export * from './paths.js';
export * from './rules.js';
export * from './signatures.js';
export * from './time.js';
