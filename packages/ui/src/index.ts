export {
  type CardNumberState,
  declineMessage,
  formatExpiry,
  readCardNumber,
  readExpiry,
} from './card.ts';
export { CardNumberField, Money, StatusBadge } from './components.tsx';
export { currencyExponent, formatMoney, minorToDecimal } from './money.ts';
