export * from './wilson.js';
