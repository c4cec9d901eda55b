import { z } from 'zod';
import {
  invite,
  inviteInput,
  listTeam,
  removeMember,
  removeMemberInput,
  revokeInvitation,
  revokeInvitationInput,
  setRequireTwoFactor,
  updateRole,
  updateRoleInput,
} from '../dashboard/team.ts';
import { router } from '../init.ts';
import { dashboardProcedureWith, noInput } from '../procedures.ts';

/** The merchant's team (dashboard/team.ts has its rules): members, invitations, the 2FA rule. */
export const dashboardTeamRouter = router({
  list: dashboardProcedureWith('team.read')
    .input(noInput)
    .query(({ ctx }) => listTeam(ctx.db.pool, ctx.principal, ctx.services.clock.now())),
  invite: dashboardProcedureWith('team.manage')
    .input(inviteInput)
    .mutation(({ ctx, input }) => invite(ctx.services, ctx.principal, ctx.user, input)),
  revokeInvitation: dashboardProcedureWith('team.manage')
    .input(revokeInvitationInput)
    .mutation(({ ctx, input }) =>
      revokeInvitation(ctx.db.pool, ctx.principal, input, ctx.services.clock.now()),
    ),
  updateRole: dashboardProcedureWith('team.manage')
    .input(updateRoleInput)
    .mutation(({ ctx, input }) => updateRole(ctx.db.pool, ctx.principal, input)),
  remove: dashboardProcedureWith('team.manage')
    .input(removeMemberInput)
    .mutation(({ ctx, input }) =>
      removeMember(ctx.db.pool, ctx.principal, input, ctx.services.clock.now()),
    ),
  requireTwoFactor: dashboardProcedureWith('team.security')
    .input(z.object({ required: z.boolean() }).strict())
    .mutation(({ ctx, input }) =>
      setRequireTwoFactor(ctx.db.pool, ctx.principal, input.required, ctx.user.twoFactor),
    ),
});
