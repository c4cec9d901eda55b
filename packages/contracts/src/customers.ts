import { z } from 'zod';
import { idSchema } from './ids.ts';
import { listOf, oneCursorOnly, paginationShape } from './lists.ts';
import { metadataSchema } from './metadata.ts';

export const customerId = idSchema('customer');

/**
 * One of a merchant's customers, as Stripe's: who pays. Payments name it (`customer`), so they
 * can be listed by customer and the fraud service counts payments and cards per customer.
 */
export const customerSchema = z.object({
  id: z.string(),
  object: z.literal('customer'),
  email: z.string().nullable(),
  name: z.string().nullable(),
  phone: z.string().nullable(),
  description: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  livemode: z.boolean(),
  created: z.number().int(),
});
export type Customer = z.infer<typeof customerSchema>;

const email = z.email({ error: 'must be an email address' }).max(320);
const name = z.string().max(256, { error: 'must be at most 256 characters' });
const phone = z.string().max(20, { error: 'must be at most 20 characters' });
const description = z.string().max(1000, { error: 'must be at most 1000 characters' });

export const createCustomerInput = z
  .object({
    email: email.optional(),
    name: name.optional(),
    phone: phone.optional(),
    description: description.optional(),
    metadata: metadataSchema.optional(),
  })
  .strict()
  .default({});

export const retrieveCustomerInput = z.object({ id: customerId }).strict();

/** customers.update: null clears a field; metadata is merged ("" deletes a key). */
export const updateCustomerInput = z
  .object({
    id: customerId,
    email: email.nullable().optional(),
    name: name.nullable().optional(),
    phone: phone.nullable().optional(),
    description: description.nullable().optional(),
    metadata: metadataSchema.optional(),
  })
  .strict();

export const deleteCustomerInput = z.object({ id: customerId }).strict();

export const deletedCustomerSchema = z.object({
  id: z.string(),
  object: z.literal('customer'),
  deleted: z.literal(true),
});
export type DeletedCustomer = z.infer<typeof deletedCustomerSchema>;

/** customers.list: newest first; `email` finds the customers with exactly that address. */
export const listCustomersInput = oneCursorOnly(
  z
    .object({
      ...paginationShape(customerId),
      email: z.string().max(320).optional(),
    })
    .strict(),
).default({ limit: 10 });

export const customerListSchema = listOf(customerSchema);

export type CreateCustomerInput = z.input<typeof createCustomerInput>;
export type UpdateCustomerInput = z.input<typeof updateCustomerInput>;
export type ListCustomersInput = NonNullable<z.input<typeof listCustomersInput>>;
