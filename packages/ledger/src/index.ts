export { type BusSettings, createEventBus } from './bus/create.ts';
export {
  DEFAULT_MAX_ATTEMPTS,
  type DeadLetter,
  type DeadLetterStatus,
  listDeadLetters,
  recordDeadLetter,
  redeliverDeadLetters,
  requestDeadLetterRetry,
} from './bus/dead-letters.ts';
export { processOnce } from './bus/idempotent.ts';
export { KafkaBus, type KafkaBusOptions } from './bus/kafka.ts';
export { partitionKeyOf, partitionOf } from './bus/partition.ts';
export { PostgresBus, type PostgresBusOptions } from './bus/postgres.ts';
export type * from './bus/types.ts';
export {
  CHECKPOINT_FORMAT,
  type Checkpoint,
  CheckpointError,
  checkpointFileName,
  listCheckpointFiles,
  readCheckpoint,
  signedBytes,
} from './checkpoints/format.ts';
export {
  type CheckpointKeyPair,
  checkpointKeyId,
  generateCheckpointKey,
  loadCheckpointPrivateKey,
  loadCheckpointPublicKey,
  publicKeysIn,
  writeCheckpointKey,
} from './checkpoints/keys.ts';
export {
  type CheckpointProblem,
  type CheckpointReport,
  verifyCheckpoints,
} from './checkpoints/verify.ts';
export {
  type WriteCheckpointOptions,
  type WriteCheckpointResult,
  writeCheckpoint,
} from './checkpoints/write.ts';
export * from './errors.ts';
export {
  type AppendInput,
  type AppendResult,
  appendToStream,
} from './events/append.ts';
export { canonicalEvent, chainHash, GENESIS_HASH } from './events/canonical.ts';
export {
  findEventById,
  findMerchantEvent,
  headPosition,
  type MerchantLogQuery,
  readEventById,
  readLog,
  readMerchantLog,
  readStream,
} from './events/read.ts';
export {
  SEALED_CHANNEL,
  Sealer,
  sealAll,
  sealBatch,
  sealCommitted,
  sealQueuedOf,
} from './events/sealer.ts';
export type * from './events/types.ts';
export {
  type AccountSpec,
  accountsOfOwner,
  ensureAccount,
  findAccount,
  loadAccounts,
} from './journal/accounts.ts';
export { balanceOf, getBalance, getBalanceAsOf } from './journal/balances.ts';
export * from './journal/chart.ts';
export {
  AccountCache,
  type BookedEntry,
  type BookOptions,
  bookEntries,
  bookEntry,
  MAX_LEG_AMOUNT,
  validateLegs,
} from './journal/entries.ts';
export { expireHolds, type PlacedHold, placeHold, postHold, voidHold } from './journal/holds.ts';
export {
  ACCOUNT_OPENED,
  ENTRY_EVENTS,
  type EntryData,
  isLedgerEvent,
} from './journal/projector.ts';
export type * from './journal/types.ts';
export { rebuildProjections } from './rebuild.ts';
export { type VerifyProblem, type VerifyReport, verifyLedger } from './verify.ts';
