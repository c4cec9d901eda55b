import type { Metadata } from 'next';
import { Payouts } from './payouts.tsx';

export const metadata: Metadata = { title: 'Payouts' };

export default function PayoutsPage() {
  return <Payouts />;
}
