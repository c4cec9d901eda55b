import { z } from 'zod';

/** Filters on the creation time, as Unix seconds. */
export const createdRangeSchema = z
  .object({
    gt: z.number().int().nonnegative().optional(),
    gte: z.number().int().nonnegative().optional(),
    lt: z.number().int().nonnegative().optional(),
    lte: z.number().int().nonnegative().optional(),
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
