import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import {
  appRouter,
  may,
  PERMISSIONS,
  type Permission,
  permissionsTable,
  ROLES,
} from '../src/index.ts';

/** About the signed-in user themselves, not any merchant: no permission. */
const userProcedure = (path: string) =>
  ['dashboard.session', 'dashboard.signOut'].includes(path) ||
  path.startsWith('dashboard.twoFactor.') ||
  path.startsWith('dashboard.sessions.') ||
  path.startsWith('dashboard.authEvents.');

/** Every dashboard procedure and the permission its meta declares (none: undefined). */
function dashboardProcedures(): Array<[string, Permission | undefined]> {
  const procedures = appRouter._def.procedures as unknown as Record<
    string,
    { _def: { meta?: { permission?: Permission } } }
  >;
  return Object.entries(procedures)
    .filter(([path]) => path.startsWith('dashboard.') && !userProcedure(path))
    .map(([path, procedure]) => [path, procedure._def.meta?.permission]);
}

it("every dashboard procedure needs a permission of the matrix (the user's own session aside)", () => {
  const procedures = dashboardProcedures();
  expect(procedures.length).toBeGreaterThan(0);
  expect(procedures.filter(([, permission]) => permission === undefined)).toEqual([]);
  for (const [, permission] of procedures) expect(PERMISSIONS).toHaveProperty(permission as string);
});

it('the matrix keeps least privilege: only some roles refund, an analyst only reads', () => {
  expect(ROLES.filter((role) => may(role, 'payments.refund'))).toEqual([
    'owner',
    'admin',
    'developer',
    'support',
  ]);
  expect(may('support', 'balance.read')).toBe(false);
  expect(Object.keys(PERMISSIONS).filter((p) => may('analyst', p as Permission))).toEqual([
    'payments.read',
    'balance.read',
    'events.read',
    'team.read',
    'settings.read',
  ]);
  expect(ROLES.filter((role) => may(role, 'settings.manage'))).toEqual(['owner', 'admin']);
  expect(ROLES.filter((role) => may(role, 'team.manage'))).toEqual(['owner', 'admin']);
  expect(ROLES.filter((role) => may(role, 'team.security'))).toEqual(['owner']);
});

/** A markdown table's rows as trimmed cells (the header and separator rows dropped). */
const cells = (table: string) =>
  table
    .trim()
    .split('\n')
    .slice(2)
    .map((row) =>
      row
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );

it("docs/dashboard.md's roles matrix is the one in code", () => {
  const docs = readFileSync(join(import.meta.dirname, '../../../docs/dashboard.md'), 'utf8');
  const start = docs.indexOf('<!-- roles-matrix:start -->');
  const end = docs.indexOf('<!-- roles-matrix:end -->');
  expect(start, 'docs/dashboard.md has the roles-matrix markers').toBeGreaterThanOrEqual(0);
  const inCode = permissionsTable(
    dashboardProcedures().map(([path, permission]) => [path, permission as Permission]),
  );
  expect(
    cells(docs.slice(start + '<!-- roles-matrix:start -->'.length, end)),
    `docs/dashboard.md drifted from the code; its table should be:\n${inCode}`,
  ).toEqual(cells(inCode));
});
