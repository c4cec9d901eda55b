import type { Metadata } from 'next';
import { Suspense } from 'react';
import { PaymentsList } from './payments-list.tsx';

export const metadata: Metadata = { title: 'Payments' };

export default function PaymentsPage() {
  return (
    <Suspense>
      <PaymentsList />
    </Suspense>
  );
}
