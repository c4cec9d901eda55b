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
 */
export const authRouter = router({
  signUp: publicProcedure
    .input(signUpInput)
    .mutation(({ ctx, input }) => signUp(ctx.db.pool, input, origin(ctx))),
  signIn: publicProcedure
    .input(signInInput)
    .mutation(({ ctx, input }) => signIn(ctx.db.pool, input, origin(ctx), ctx.services)),
});
