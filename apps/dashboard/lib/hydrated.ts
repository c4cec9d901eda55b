'use client';

import { useEffect, useState } from 'react';

/**
 * False in the server's HTML, true once React runs in the browser. Submit buttons wait for it:
 * a form sent before hydration would be a plain GET of the page, its fields in the address.
 */
export function useHydrated(): boolean {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  return hydrated;
}
