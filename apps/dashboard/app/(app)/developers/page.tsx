import type { Metadata } from 'next';
import { ApiKeys } from './api-keys.tsx';

export const metadata: Metadata = { title: 'Developers' };

export default function DevelopersPage() {
  return <ApiKeys />;
}
