export * from './api/index.js';
export * from './logs/index.js';
