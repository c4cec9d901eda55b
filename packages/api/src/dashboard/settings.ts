import { exponentOf } from '@kassa/contracts';
import { DEFAULT_FIXED_FEES } from '@kassa/payments';
import type pg from 'pg';
import { z } from 'zod';
import type { DashboardPrincipal } from '../procedures.ts';

/**
 * A merchant's settings: its business profile (name, website, country), what the hosted checkout
 * shows shoppers (a public name and support details), and its fee plan.
 *
 * The fee plan is shown, never changed here: pricing is the platform operator's, and sign-up is
 * open, so a merchant's owner setting their own fee would set it to nothing. The operator changes
 * it in the database (`merchants.fee_rate_bps`, `merchant_fixed_fees`); every role sees it.
 */
const regions = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

const optional = <T extends z.ZodType>(schema: T) =>
  z.union([schema, z.literal('').transform(() => null), z.null()]).optional();

const httpsUrl = z
  .url({ protocol: /^https$/, error: 'must be an https:// URL' })
  .max(2048, { error: 'must be at most 2048 characters' });

export const updateSettingsInput = z
  .object({
    /** The business's name, as the dashboard and its team know it. */
    name: z.string().trim().min(1).max(100).optional(),
    website: optional(httpsUrl),
    country: optional(
      z
        .string()
        .trim()
        .toUpperCase()
        .refine((code) => /^[A-Z]{2}$/.test(code) && regions.of(code) !== undefined, {
          error: 'must be an ISO 3166-1 alpha-2 country code, like DE',
        }),
    ),
    /** Shown to shoppers on the hosted checkout instead of `name`. */
    public_name: optional(z.string().trim().min(1).max(100)),
    support_email: optional(z.email({ error: 'must be an email address' }).max(254)),
    support_phone: optional(
      z
        .string()
        .trim()
        .regex(/^\+?[0-9 ().-]{5,25}$/, { error: 'must be a phone number, like +49 30 1234567' }),
    ),
    support_url: optional(httpsUrl),
  })
  .strict();

interface SettingsRow {
  id: string;
  name: string;
  website: string | null;
  country: string | null;
  public_name: string | null;
  support_email: string | null;
  support_phone: string | null;
  support_url: string | null;
  fee_rate_bps: number;
}

const COLUMNS =
  'id, name, website, country, public_name, support_email, support_phone, support_url, fee_rate_bps';

async function view(pool: pg.Pool, row: SettingsRow) {
  const { rows: fixed } = await pool.query<{ currency: string; fixed: string }>(
    'SELECT currency, fixed::text FROM merchant_fixed_fees WHERE merchant_id = $1 ORDER BY currency',
    [row.id],
  );
  const own = new Map(fixed.map((f) => [f.currency, BigInt(f.fixed)]));
  return {
    object: 'merchant_settings' as const,
    id: row.id,
    business: { name: row.name, website: row.website, country: row.country },
    checkout: {
      public_name: row.public_name,
      /** What shoppers see: the public name, else the business's name. */
      shown_name: row.public_name ?? row.name,
      support_email: row.support_email,
      support_phone: row.support_phone,
      support_url: row.support_url,
    },
    fee_plan: {
      /** Hundredths of a percent of each capture (290: 2.9%). */
      rate_bps: row.fee_rate_bps,
      /** The fixed part per capture, per currency, in its minor units: the merchant's or the default. */
      fixed: Object.entries(DEFAULT_FIXED_FEES).map(([currency, fallback]) => ({
        currency: currency.toLowerCase(),
        amount: Number(own.get(currency) ?? fallback),
        exponent: exponentOf(currency),
        custom: own.has(currency),
      })),
    },
  };
}

export async function retrieveSettings(pool: pg.Pool, principal: DashboardPrincipal) {
  const { rows } = await pool.query<SettingsRow>(`SELECT ${COLUMNS} FROM merchants WHERE id = $1`, [
    principal.merchantId,
  ]);
  const row = rows[0];
  if (!row) throw new Error(`merchant ${principal.merchantId} of a live membership is gone`);
  return view(pool, row);
}

/** Changes the fields given (null or '' clears an optional one); one statement. */
export async function updateSettings(
  pool: pg.Pool,
  principal: DashboardPrincipal,
  input: z.output<typeof updateSettingsInput>,
  now: Date,
) {
  // The keys are the strict schema's, each a column of merchants: nothing else reaches the SQL.
  const fields = Object.entries(input).filter(([, value]) => value !== undefined);
  const sets = fields.map(([column], i) => `${column} = $${i + 3}`);
  const { rows } = await pool.query<SettingsRow>(
    `UPDATE merchants SET ${[...sets, 'updated_at = $2'].join(', ')} WHERE id = $1
     RETURNING ${COLUMNS}`,
    [principal.merchantId, now, ...fields.map(([, value]) => value)],
  );
  const row = rows[0];
  if (!row) throw new Error(`merchant ${principal.merchantId} of a live membership is gone`);
  return view(pool, row);
}
