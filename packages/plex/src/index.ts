export * from './api/index.js';
export * from './install/index.js';
export * from './logs/index.js';
