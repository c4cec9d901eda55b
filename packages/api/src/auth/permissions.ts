/**
 * The dashboard's roles matrix: what each role of a merchant's team may do. Every dashboard
 * procedure names the permission it needs (`dashboardProcedureWith`), and the server refuses
 * the others (403 `role_insufficient`): hiding a button is not enforcement. docs/dashboard.md
 * shows this table, generated from it (a test fails when they drift). Least privilege, as PCI DSS
 * 7.2 asks: an analyst only reads, support can refund but not see balances.
 */
export const ROLES = ['owner', 'admin', 'developer', 'support', 'analyst'] as const;
export type MembershipRole = (typeof ROLES)[number];

export const PERMISSIONS = {
  'payments.read': 'See payments and refunds',
  'payments.refund': 'Refund payments',
  'payments.manage': 'Capture and cancel payments',
  'balance.read': 'See balances, balance transactions and payouts',
  'payouts.manage':
    'Pay out by hand; change the payout schedule and bank accounts; resolve reconciliation exceptions',
  'risk.manage': 'Change the risk rules, block and allow lists and the fallback',
  'events.read': 'See the event log',
  'audit.read': 'See the audit log',
  'developers.read': 'See API keys and webhook endpoints',
  'keys.manage': 'Create, roll and revoke API keys',
  'webhooks.manage': 'Manage webhook endpoints and resend deliveries',
  'team.read': 'See the team and its invitations',
  'team.manage': 'Invite, change roles of and remove members',
  'team.security': 'Require two-factor authentication of the team',
  'settings.read': 'See the settings and fee plan',
  'settings.manage': "Change the business profile and the checkout's public details",
} as const;
export type Permission = keyof typeof PERMISSIONS;

export const ROLE_PERMISSIONS: Record<MembershipRole, ReadonlySet<Permission>> = {
  owner: new Set([
    'payments.read',
    'payments.refund',
    'payments.manage',
    'balance.read',
    'payouts.manage',
    'risk.manage',
    'events.read',
    'audit.read',
    'developers.read',
    'keys.manage',
    'webhooks.manage',
    'team.read',
    'team.manage',
    'team.security',
    'settings.read',
    'settings.manage',
  ]),
  admin: new Set([
    'payments.read',
    'payments.refund',
    'payments.manage',
    'balance.read',
    'payouts.manage',
    'risk.manage',
    'events.read',
    'audit.read',
    'developers.read',
    'keys.manage',
    'webhooks.manage',
    'team.read',
    'team.manage',
    'settings.read',
    'settings.manage',
  ]),
  developer: new Set([
    'payments.read',
    'payments.refund',
    'payments.manage',
    'balance.read',
    'events.read',
    'developers.read',
    'keys.manage',
    'webhooks.manage',
    'team.read',
    'settings.read',
  ]),
  support: new Set([
    'payments.read',
    'payments.refund',
    'payments.manage',
    'events.read',
    'team.read',
    'settings.read',
  ]),
  analyst: new Set(['payments.read', 'balance.read', 'events.read', 'team.read', 'settings.read']),
};

export const may = (role: MembershipRole, permission: Permission): boolean =>
  ROLE_PERMISSIONS[role].has(permission);

/** The roles that hold `permission`, in the matrix's order. */
export const rolesWith = (permission: Permission): MembershipRole[] =>
  ROLES.filter((role) => may(role, permission));

/** The matrix as the markdown table docs/dashboard.md shows. */
export function permissionsTable(procedures: Array<[string, Permission]>): string {
  const rows = procedures.map(
    ([path, permission]) =>
      `| \`${path}\` | ${PERMISSIONS[permission]} (\`${permission}\`) | ${ROLES.map((role) => (may(role, permission) ? 'yes' : '—')).join(' | ')} |`,
  );
  return [
    `| Procedure | Needs | ${ROLES.join(' | ')} |`,
    `| --- | --- | ${ROLES.map(() => '---').join(' | ')} |`,
    ...rows,
  ].join('\n');
}
