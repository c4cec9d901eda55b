import type { Metadata } from 'next';
import { Reviews } from './reviews.tsx';

export const metadata: Metadata = { title: 'Reviews' };

export default function ReviewsPage() {
  return <Reviews />;
}
