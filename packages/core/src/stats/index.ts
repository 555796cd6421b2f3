export * from './binomial-test.js';
export * from './fisher.js';
export * from './garwood.js';
export * from './log-gamma.js';
export * from './mcnemar.js';
export * from './poisson.js';
export * from './sequential.js';
export * from './wilson.js';
