import { notFound } from 'next/navigation';

// The checkout has no home page: shoppers arrive on /pay/<session id>.
export default function Home() {
  notFound();
}
