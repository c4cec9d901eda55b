export * from './api.ts';
export * from './balance-transactions.ts';
export * from './close.ts';
export * from './days.ts';
export * from './errors.ts';
export * from './payouts.ts';
export * from './schedule.ts';
export * from './verify.ts';
