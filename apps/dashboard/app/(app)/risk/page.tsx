import type { Metadata } from 'next';
import { Risk } from './risk.tsx';

export const metadata: Metadata = { title: 'Risk rules' };

export default function RiskPage() {
  return <Risk />;
}
