export {
  type CardNumberState,
  declineMessage,
  formatExpiry,
  readCardNumber,
  readExpiry,
} from './card.ts';
export {
  CardNumberField,
  EmptyState,
  ErrorState,
  LoadingState,
  Money,
  StatusBadge,
  TableScroll,
} from './components.tsx';
export { currencyExponent, decimalToMinor, formatMoney, minorToDecimal } from './money.ts';
