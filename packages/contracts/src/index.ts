export * from './api-keys.ts';
export * from './currencies.ts';
export * from './ids.ts';
