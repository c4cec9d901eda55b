import { z } from 'zod';

/** The last second of 9999-12-31: a Unix time past it is no date PostgreSQL or JavaScript keeps. */
export const MAX_UNIX_SECONDS = 253_402_300_799;

const unixSeconds = z
  .number()
  .int()
  .min(0, { error: 'must be a Unix time in seconds' })
  .max(MAX_UNIX_SECONDS, {
    error: 'must be a Unix time in seconds (not milliseconds), before year 10000',
  });

/** Filters on the creation time, as Unix seconds. */
export const createdRangeSchema = z
  .object({
    gt: unixSeconds.optional(),
    gte: unixSeconds.optional(),
    lt: unixSeconds.optional(),
    lte: unixSeconds.optional(),
  })
  .strict();

/** Cursor pagination, newest first: `starting_after` pages forward, `ending_before` back. */
export function paginationShape<Id extends z.ZodType>(id: Id) {
  return {
    limit: z
      .number()
      .int()
      .min(1, { error: 'must be between 1 and 100' })
      .max(100, { error: 'must be between 1 and 100' })
      .default(10),
    starting_after: id.optional(),
    ending_before: id.optional(),
    created: createdRangeSchema.optional(),
  };
}

/** A list can page one way at a time. */
export function oneCursorOnly<
  S extends z.ZodType<{ starting_after?: unknown; ending_before?: unknown }>,
>(schema: S) {
  return schema.refine((p) => !(p.starting_after && p.ending_before), {
    error: 'use starting_after or ending_before, not both',
    path: ['ending_before'],
  });
}

export function listOf<Item extends z.ZodType>(item: Item) {
  return z.object({ object: z.literal('list'), data: z.array(item), has_more: z.boolean() });
}
