export { type CardBehaviour, declineCodes, testCards } from './cards.ts';
export { type AcquirerOptions, type Behaviour, buildAcquirerServer } from './server.ts';
export { SETTLEMENT_COLUMNS, settlementCsv } from './settlement.ts';
export { ensureSchema } from './store.ts';
