// @kassa/testing: what tests across the workspace share. The platform's processes (the API, the
// acquirer simulator, the CLI) are started as processes over real HTTP, never imported.
export * from './acquirer.ts';
export * from './api-process.ts';
export * from './card-numbers.ts';
export * from './cards.ts';
export * from './client.ts';
export * from './constants.ts';
export * from './database.ts';
export * from './entries.ts';
export * from './fraud-service.ts';
export * from './merchant.ts';
export * from './reviews.ts';
export * from './settlement-worker.ts';
export * from './smtp.ts';
export * from './webhooks-worker.ts';
