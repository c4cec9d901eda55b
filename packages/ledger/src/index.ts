export * from './errors.ts';
export {
  APPENDED_CHANNEL,
  type AppendInput,
  type AppendResult,
  appendToStream,
} from './events/append.ts';
export { canonicalEvent, chainHash, GENESIS_HASH } from './events/canonical.ts';
export { headPosition, readLog, readStream } from './events/read.ts';
export { SEALED_CHANNEL, Sealer, sealAll, sealBatch } from './events/sealer.ts';
export type * from './events/types.ts';
export { type Queryable, query } from './sql.ts';
