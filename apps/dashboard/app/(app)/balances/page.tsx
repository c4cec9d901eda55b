import type { Metadata } from 'next';
import { Balances } from './balances.tsx';

export const metadata: Metadata = { title: 'Balances' };

export default function BalancesPage() {
  return <Balances />;
}
