'use client';

import type { MembershipRole, Permission } from '@kassa/api/permissions';
import { may } from '@kassa/api/permissions';
import { createContext, useContext } from 'react';

export interface ScopeValue {
  /** The signed-in user. */
  user: { id: string; email: string };
  merchant: string;
  merchantName: string;
  role: MembershipRole;
  mode: 'test' | 'live';
}

export const ScopeContext = createContext<ScopeValue | undefined>(undefined);

/** The merchant, role and mode the page shows. */
export function useScope(): ScopeValue {
  const scope = useContext(ScopeContext);
  if (!scope) throw new Error('useScope outside the dashboard shell');
  return scope;
}

/**
 * Whether the role may do something: for showing or hiding controls only. The API enforces the
 * same matrix on every request; a hidden button is a courtesy, not the check.
 */
export function useCan(permission: Permission): boolean {
  return may(useScope().role, permission);
}
