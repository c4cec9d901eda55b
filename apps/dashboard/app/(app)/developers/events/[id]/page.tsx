import type { Metadata } from 'next';
import { EventDetail } from '../events.tsx';

export const metadata: Metadata = { title: 'Event' };

export default async function EventPage(props: { params: Promise<{ id: string }> }) {
  const { id } = await props.params;
  return <EventDetail id={id} />;
}
