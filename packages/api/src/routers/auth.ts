import { recordAudit } from '../audit.ts';
import { authEvents } from '../auth/auth-events.ts';
import {
  acceptInvitation,
  acceptInvitationInput,
  describeInvitation,
  invitationInput,
} from '../auth/invitations.ts';
import {
  requestPasswordReset,
  requestPasswordResetInput,
  resetPassword,
  resetPasswordInput,
} from '../auth/password-reset.ts';
import { signIn, signInInput, signUp, signUpInput } from '../auth/sign-in.ts';
import { type Context, publicProcedure, router } from '../init.ts';

const origin = (ctx: Context) => {
  const userAgent = ctx.headers['user-agent'];
  return {
    now: ctx.services.clock.now(),
    ...(ctx.clientIp && { ip: ctx.clientIp }),
    ...(typeof userAgent === 'string' && { userAgent }),
  };
};

/**
 * Sign-up and sign-in for the dashboard, called by the dashboard's server (next-auth's
 * credentials provider), which puts the session they open in its encrypted cookie. They answer
 * with ids only: the session id is no credential without the cookie's key (NEXTAUTH_SECRET).
 * Besides: accepting an invitation (which signs in too) and resetting a password by an emailed
 * link, both carrying a one-time token (auth/link-tokens.ts).
 */
/** Every call is recorded in auth_events (auth/auth-events.ts), refused ones included. */
const recordedProcedure = publicProcedure.use(authEvents);

export const authRouter = router({
  signUp: recordedProcedure
    .input(signUpInput)
    .mutation(({ ctx, input }) => signUp(ctx.db.pool, input, origin(ctx))),
  signIn: recordedProcedure
    .input(signInInput)
    .mutation(({ ctx, input }) => signIn(ctx.db.pool, input, origin(ctx), ctx.services)),
  /** The invitation a link names: merchant, email, role, whether its account exists. */
  invitation: publicProcedure
    .input(invitationInput)
    .query(({ ctx, input }) =>
      describeInvitation(ctx.db.pool, input.token, ctx.services.clock.now()),
    ),
  /** Joins the team the link invites to (creating the account, or with its password): signed in. */
  acceptInvitation: recordedProcedure
    .input(acceptInvitationInput)
    .mutation(async ({ ctx, input }) => {
      const accepted = await acceptInvitation(ctx.db.pool, input, origin(ctx), ctx.services);
      // A new member is access granted: the merchant's audit log records it (as the member).
      await recordAudit(
        ctx,
        { merchantId: accepted.merchant, livemode: false, keyId: accepted.user, kind: 'dashboard' },
        {
          action: 'auth.acceptInvitation',
          outcome: 'success',
          errorCode: null,
          objectId: accepted.invitation,
        },
      );
      return accepted;
    }),
  /** Emails a reset link if the email has an account; the same answer either way. */
  requestPasswordReset: recordedProcedure
    .input(requestPasswordResetInput)
    .mutation(({ ctx, input }) => requestPasswordReset(ctx.services, input, origin(ctx), ctx.log)),
  resetPassword: recordedProcedure
    .input(resetPasswordInput)
    .mutation(({ ctx, input }) => resetPassword(ctx.services, input, ctx.services.clock.now())),
});
