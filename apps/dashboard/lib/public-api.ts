'use client';

import type { AppRouter } from '@kassa/api';
import { createTRPCClient, httpLink } from '@trpc/client';

/**
 * The API's public procedures the signed-out pages call (an invitation's details, password reset),
 * through this origin's proxy (app/api/trpc), typed by the router like everything else.
 */
export const publicApi = createTRPCClient<AppRouter>({
  links: [httpLink({ url: '/api/trpc' })],
});

/** The one-time token of an emailed link: it rides in the address's fragment, never sent to a server. */
export function tokenFromFragment(): string {
  return decodeURIComponent(window.location.hash.replace(/^#/, ''));
}
