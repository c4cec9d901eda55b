'use client';

import type { AppRouter } from '@kassa/api';
import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import {
  createTRPCClient,
  httpBatchLink,
  httpLink,
  splitLink,
  TRPCClientError,
} from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { signOut } from 'next-auth/react';
import { type ReactNode, useMemo } from 'react';

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/** Kassa's error object, as the API's error formatter puts it in `error.data`. */
export interface KassaError {
  type: string;
  code: string;
  message: string;
  param?: string;
  request_id?: string;
}

export function kassaError(error: unknown): KassaError | undefined {
  if (error instanceof TRPCClientError) return error.data as KassaError | undefined;
  return undefined;
}

/** Where the headers of each request come from: the merchant and mode being shown. */
export interface Scope {
  merchant?: string;
  mode: 'test' | 'live';
}

/** A per-click idempotency key rides in the operation's context (see IdempotentMutation). */
interface OperationContext {
  idempotencyKey?: string;
}

/**
 * One query cache per merchant and mode (`key` changes with them), so data of one never shows
 * under the other. Queries are batched; mutations go alone, each with its own Idempotency-Key.
 * A session the API no longer accepts (signed out elsewhere, removed from the team, idle) signs
 * the browser out.
 */
export function TrpcProviders(props: { scope: Scope; children: ReactNode }) {
  const { merchant, mode } = props.scope;
  const queryClient = useMemo(() => {
    void merchant;
    void mode;
    return new QueryClient({
      defaultOptions: {
        queries: {
          staleTime: 10_000,
          retry: (count, error) =>
            count < 2 && (kassaError(error)?.type ?? 'api_error') === 'api_error',
        },
      },
      queryCache: new QueryCache({
        onError: (error) => {
          if (kassaError(error)?.type === 'authentication_error') {
            void signOut({ callbackUrl: '/sign-in?error=session_ended' });
          }
        },
      }),
    });
  }, [merchant, mode]);
  const trpcClient = useMemo(() => {
    const headers = (context?: OperationContext) => ({
      ...(merchant && { 'kassa-merchant': merchant }),
      'kassa-mode': mode,
      ...(context?.idempotencyKey && { 'idempotency-key': context.idempotencyKey }),
    });
    return createTRPCClient<AppRouter>({
      links: [
        splitLink({
          condition: (op) => op.type === 'mutation',
          true: httpLink({
            url: '/api/trpc',
            headers: ({ op }) => headers(op.context as OperationContext),
          }),
          false: httpBatchLink({ url: '/api/trpc', headers: () => headers() }),
        }),
      ],
    });
  }, [merchant, mode]);
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {props.children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
