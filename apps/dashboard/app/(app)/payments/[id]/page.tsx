import type { Metadata } from 'next';
import { PaymentDetail } from './payment-detail.tsx';

export const metadata: Metadata = { title: 'Payment' };

export default async function PaymentPage(props: { params: Promise<{ id: string }> }) {
  const { id } = await props.params;
  return <PaymentDetail id={id} />;
}
