import type { Metadata } from 'next';
import { Endpoint } from './endpoint.tsx';

export const metadata: Metadata = { title: 'Webhook endpoint' };

export default async function EndpointPage(props: { params: Promise<{ id: string }> }) {
  const { id } = await props.params;
  return <Endpoint id={id} />;
}
