export * from './api-keys.ts';
export * from './currencies.ts';
export * from './errors.ts';
export * from './ids.ts';
export * from './lists.ts';
export * from './metadata.ts';
export * from './money.ts';
export * from './payment-intents.ts';
