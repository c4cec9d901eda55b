import type { Metadata } from 'next';
import { PayoutDetail } from './payout-detail.tsx';

export const metadata: Metadata = { title: 'Payout' };

export default async function PayoutPage(props: { params: Promise<{ id: string }> }) {
  const { id } = await props.params;
  return <PayoutDetail id={id} />;
}
