export * from './api-keys.ts';
export * from './ids.ts';
