import { z } from 'zod';

/**
 * Merchant-defined key-value pairs: up to 50 keys, keys up to 40 characters, values up to 500
 * characters, strings only. Never put card data or other secrets here: metadata is shown in the
 * dashboard and sent in webhooks.
 */
export const metadataSchema = z
  .record(
    z
      .string()
      .min(1, { error: 'keys must not be empty' })
      .max(40, { error: 'keys must be at most 40 characters' }),
    z
      .string({ error: 'values must be strings' })
      .max(500, { error: 'values must be at most 500 characters' }),
  )
  .refine((metadata) => Object.keys(metadata).length <= 50, { error: 'must have at most 50 keys' });

export type Metadata = z.infer<typeof metadataSchema>;
