import { newId } from '@kassa/contracts';
import { withTransaction } from '@kassa/db';
import { KassaApiError } from '@kassa/payments';
import { z } from 'zod';
import type { ApiServices } from '../init.ts';
import { hashLinkToken, linkToken, newLinkToken } from './link-tokens.ts';
import { hashPassword } from './passwords.ts';
import { email, endSessions, newPassword, type SessionOrigin } from './sign-in.ts';

/**
 * Password reset by a one-time emailed link (PCI DSS 8.3.1: only the mailbox's holder gets it).
 * - Asking always gets the same answer, whether the email has an account or not, and the email
 *   is sent after the answer, so neither the answer nor its timing says who has an account.
 * - A link works once, for an hour; at most three links an hour are sent to one account.
 * - Setting the password spends every link of the account, lifts a lockout, and ends every
 *   session. It does not sign in, and it does not turn off two-factor: the next sign-in still
 *   needs the second factor.
 */
export const RESET_LIFETIME_MS = 60 * 60 * 1000;
const MAX_RESETS_PER_HOUR = 3;

export const requestPasswordResetInput = z.object({ email }).strict();
export const resetPasswordInput = z.object({ token: linkToken, password: newPassword }).strict();

export const resetLink = (dashboardUrl: string, token: string) =>
  `${dashboardUrl}/reset-password#${token}`;

/** Creates a reset link for `email`'s account, if there is one, and emails it (after answering). */
export async function requestPasswordReset(
  services: ApiServices,
  input: z.output<typeof requestPasswordResetInput>,
  origin: SessionOrigin,
  log: { error(object: object, message?: string): void },
): Promise<{ object: 'password_reset_request'; email: string }> {
  const answer = { object: 'password_reset_request' as const, email: input.email };
  const { token, hash } = newLinkToken();
  // One statement: the user, the hourly cap and the insert, so concurrent asks respect the cap.
  const { rows } = await services.db.pool.query<{ id: string }>(
    `INSERT INTO password_resets (id, user_id, token_hash, created_at, expires_at, ip)
     SELECT $1, u.id, $3, $4, $5, $6 FROM users u
      WHERE u.email = $2
        AND (SELECT count(*) FROM password_resets r
              WHERE r.user_id = u.id AND r.created_at > $4::timestamptz - interval '1 hour') < $7
     RETURNING id`,
    [
      newId('passwordReset'),
      input.email,
      hash,
      origin.now,
      new Date(origin.now.getTime() + RESET_LIFETIME_MS),
      origin.ip ?? null,
      MAX_RESETS_PER_HOUR,
    ],
  );
  if (rows.length > 0) {
    setImmediate(() => {
      services.mailer
        .send({
          to: input.email,
          subject: 'Reset your Kassa password',
          text: [
            'Someone (we hope you) asked to reset the password of your Kassa account.',
            '',
            'Choose a new password here (the link works once, for one hour):',
            resetLink(services.dashboardUrl, token),
            '',
            'If it was not you, ignore this email: your password stays as it is.',
          ].join('\n'),
        })
        .catch((err: unknown) => log.error({ err }, 'password reset email not sent'));
    });
  }
  return answer;
}

const resetInvalid = () =>
  new KassaApiError({
    type: 'invalid_request_error',
    code: 'reset_link_invalid',
    message: 'This reset link does not work: it was used, or it expired. Ask for a new one.',
    param: 'token',
    status: 404,
  });

/** Sets the password a valid link's account; spends its links and ends its sessions. */
export async function resetPassword(
  services: ApiServices,
  input: z.output<typeof resetPasswordInput>,
  now: Date,
): Promise<{ object: 'password_reset'; user: string; sessions_ended: number }> {
  const passwordHash = await hashPassword(input.password);
  return withTransaction(services.db.pool, async (tx) => {
    const { rows } = await tx.query<{ user_id: string }>(
      `SELECT user_id FROM password_resets
        WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
        FOR UPDATE`,
      [hashLinkToken(input.token), now],
    );
    const reset = rows[0];
    if (!reset) throw resetInvalid();
    await tx.query(
      'UPDATE password_resets SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL',
      [reset.user_id, now],
    );
    await tx.query(
      `UPDATE users SET password_hash = $2, failed_sign_ins = 0, locked_until = NULL,
              updated_at = $3
        WHERE id = $1`,
      [reset.user_id, passwordHash, now],
    );
    return {
      object: 'password_reset' as const,
      user: reset.user_id,
      sessions_ended: await endSessions(tx, reset.user_id, now),
    };
  });
}
