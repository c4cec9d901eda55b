import type { NextAuthOptions, User } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { apiUrl } from './api-url.ts';

/** What the API's auth.signIn and auth.signUp answer: ids only. */
interface IssuedSession {
  user: string;
  session: string;
  expires_at: number;
}

/** A refused sign-in: next-auth hands the message to the page as `error`; it is the API's code. */
export class SignInRefused extends Error {}

/**
 * Asks the API to check the password (or create the merchant and owner) and open a session. The
 * browser's address and user agent go along for the session's record.
 */
async function openSession(
  path: 'auth.signIn' | 'auth.signUp' | 'auth.acceptInvitation',
  input: Record<string, string>,
  headers: Record<string, string | string[] | undefined>,
): Promise<IssuedSession> {
  const forwarded: Record<string, string> = { 'content-type': 'application/json' };
  for (const name of ['user-agent', 'x-forwarded-for']) {
    const value = headers[name];
    if (typeof value === 'string') forwarded[name] = value;
  }
  const response = await fetch(`${apiUrl()}/trpc/${path}`, {
    method: 'POST',
    headers: forwarded,
    body: JSON.stringify(input),
  });
  const json = (await response.json().catch(() => undefined)) as
    | { result?: { data: IssuedSession }; error?: { data?: { code?: string; param?: string } } }
    | undefined;
  if (!response.ok || !json?.result) {
    const error = json?.error?.data;
    throw new SignInRefused(
      error?.code === 'parameter_invalid' && error.param
        ? `parameter_invalid:${error.param}`
        : (error?.code ?? 'api_unavailable'),
    );
  }
  return json.result.data;
}

const SESSION_MAX_AGE_S = 12 * 60 * 60;

/**
 * next-auth with JWT sessions: the cookie is an encrypted token holding the user (`sub`) and the
 * API's session (`sid`), which the API checks on every request, so a revoked session stops at
 * once. The cookie is `__Secure-next-auth.session-token` whenever NEXTAUTH_URL is https.
 */
export function authOptions(): NextAuthOptions {
  return {
    secret: process.env.NEXTAUTH_SECRET,
    session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_S },
    pages: { signIn: '/sign-in', error: '/sign-in' },
    providers: [
      CredentialsProvider({
        id: 'credentials',
        name: 'Email and password',
        credentials: {
          email: { label: 'Email', type: 'email' },
          password: { label: 'Password', type: 'password' },
          code: { label: 'Authentication code', type: 'text' },
          intent: { type: 'hidden' },
          name: { type: 'text' },
          business_name: { type: 'text' },
          token: { type: 'hidden' },
        },
        async authorize(credentials, request) {
          if (!credentials) return null;
          const { email, password } = credentials;
          const code: Record<string, string> = credentials.code ? { code: credentials.code } : {};
          const issued =
            credentials.intent === 'accept-invitation'
              ? await openSession(
                  'auth.acceptInvitation',
                  {
                    token: credentials.token,
                    password,
                    ...(credentials.name && { name: credentials.name }),
                    ...code,
                  },
                  request.headers ?? {},
                )
              : credentials.intent === 'sign-up'
                ? await openSession(
                    'auth.signUp',
                    {
                      email,
                      password,
                      name: credentials.name,
                      business_name: credentials.business_name,
                    },
                    request.headers ?? {},
                  )
                : await openSession(
                    'auth.signIn',
                    { email, password, ...code },
                    request.headers ?? {},
                  );
          return { id: issued.user, email, sid: issued.session } as User;
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) {
          token.sub = user.id;
          token.sid = (user as User & { sid: string }).sid;
        }
        return token;
      },
      session({ session, token }) {
        return { ...session, user: { ...session.user, id: token.sub } };
      },
    },
  };
}
