export {
  binInfo,
  type CardBrand,
  type CardDetails,
  type CardErrorCode,
  type CardFunding,
  type CardInput,
  CardValidationError,
  cardBrands,
  cardFundings,
  normalizeNumber,
  validateCard,
} from './card.ts';
export { type MasterKey, newMasterKeySpec, parseVaultKeys, type VaultKeys } from './keys.ts';
export { findCardNumbers, maskCardNumber } from './scan.ts';
export { type TokenizedCard, VAULT_TABLES, Vault, VaultError } from './vault.ts';
