import type { Metadata } from 'next';
import { Disputes } from './disputes.tsx';

export const metadata: Metadata = { title: 'Disputes' };

export default function DisputesPage() {
  return <Disputes />;
}
