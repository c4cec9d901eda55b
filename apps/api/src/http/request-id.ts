import type { IncomingMessage } from 'node:http';
import { newRequestId } from '@kassa/payments';

const ACCEPTED = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Every request gets an id, echoed in the `Request-Id` response header and on every log line.
 * A well-formed incoming `X-Request-Id` (set by a load balancer, say) is kept so ids line up
 * across hops; anything else is replaced, so it cannot inject into logs. Clients can choose
 * their id this way: it correlates logs, it proves nothing, and nothing relies on it being unique.
 */
export function requestIdFor(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  if (typeof incoming === 'string' && ACCEPTED.test(incoming)) return incoming;
  return newRequestId();
}
