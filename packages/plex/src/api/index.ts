export * from './client-identifier.js';
export * from './concurrency.js';
export * from './http-errors.js';
export * from './notifications.js';
export * from './plex-client.js';
export * from './refresh-tracker.js';
export * from './types.js';
