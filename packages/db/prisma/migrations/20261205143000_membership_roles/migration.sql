-- The dashboard's roles matrix (packages/api/src/auth/permissions.ts): viewer becomes analyst
-- (view only), and support (refunds, no balances) comes before it.
ALTER TYPE "membership_role" RENAME VALUE 'viewer' TO 'analyst';
ALTER TYPE "membership_role" ADD VALUE 'support' BEFORE 'analyst';
