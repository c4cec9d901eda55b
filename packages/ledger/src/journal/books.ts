/**
 * Test-mode money is kept in books of its own, so that no test payment ever mixes with live
 * money, not even in the platform's accounts: the owner of a test-mode account is
 * `<merchant id>:test` or `platform:test`.
 */
export function ledgerOwner(owner: string, livemode: boolean): string {
  return livemode ? owner : `${owner}:test`;
}

/** The merchant an account owner stands for (null for the platform), in either book. */
export function merchantOfOwner(owner: string): string | null {
  const base = owner.endsWith(':test') ? owner.slice(0, -':test'.length) : owner;
  return base === 'platform' ? null : base;
}

/** The platform owner of the book `owner` belongs to. */
export function platformOwnerOf(owner: string): string {
  return owner.endsWith(':test') ? 'platform:test' : 'platform';
}
