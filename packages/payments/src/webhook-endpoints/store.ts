import {
  type createWebhookEndpointInput,
  type DeletedWebhookEndpoint,
  type listWebhookEndpointsInput,
  newId,
  type rollWebhookEndpointSecretInput,
  type updateWebhookEndpointInput,
  type WebhookEndpoint,
} from '@kassa/contracts';
import { type Queryable, query, type Transaction } from '@kassa/db';
import { addressClass, literalAddress, WebhookSigner } from '@kassa/webhooks';
import type { z } from 'zod';
import type { DomainContext, Principal } from '../context.ts';
import { invalidRequest } from '../errors.ts';
import { keysetPage } from '../lists.ts';
import { loadOwned } from '../owned.ts';
import { mergeMetadata, withoutEmptyValues } from '../payments/create.ts';

interface EndpointRow {
  id: string;
  merchant_id: string;
  livemode: boolean;
  url: string;
  description: string | null;
  enabled_events: string[];
  status: 'enabled' | 'disabled';
  secret_salt: string;
  metadata: Record<string, string>;
  created_at: Date;
}

const COLUMNS = `id, merchant_id, livemode, url, description, enabled_events, status, secret_salt,
  metadata, created_at`;

type Ctx = DomainContext;

export function webhookEndpointView(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    object: 'webhook_endpoint',
    url: row.url,
    description: row.description,
    enabled_events: row.enabled_events,
    status: row.status,
    metadata: row.metadata,
    livemode: row.livemode,
    created: Math.floor(row.created_at.getTime() / 1000),
  };
}

/**
 * Live endpoints receive real customers' data: https only, and never a local name or an address
 * that is not public written literally (the same classes the worker refuses). Names are resolved
 * by the worker at delivery time, where a name re-pointed later is caught too.
 */
function checkUrl(url: string, livemode: boolean): void {
  if (!livemode) return;
  const { protocol, hostname } = new URL(url);
  if (protocol !== 'https:')
    throw invalidRequest('url_invalid', 'Live mode webhook endpoints must use https.', 'url');
  const refusal = notPublic(hostname);
  if (refusal)
    throw invalidRequest(
      'url_invalid',
      `Live mode webhook endpoints must be reachable on the public internet (${refusal}).`,
      'url',
    );
}

function notPublic(hostname: string): string | undefined {
  const address = literalAddress(hostname);
  if (address) {
    const kind = addressClass(address);
    return kind === 'public' ? undefined : `${address} is ${kind}`;
  }
  if (/^(localhost|.*\.localhost|.*\.internal|.*\.local)\.?$/i.test(hostname))
    return `${hostname} is a local name`;
  return undefined;
}

export async function loadWebhookEndpoint(
  db: Queryable,
  principal: Principal,
  id: string,
  options: { forUpdate?: boolean; param?: string } = {},
): Promise<EndpointRow> {
  return loadOwned<EndpointRow>(
    db,
    principal,
    { table: 'webhook_endpoints', columns: COLUMNS, what: 'webhook endpoint' },
    id,
    options,
  );
}

/** The endpoint with its current signing secret: what create and rollSecret answer. */
export async function withSecret(ctx: Ctx, endpoint: WebhookEndpoint): Promise<WebhookEndpoint> {
  const row = await loadWebhookEndpoint(ctx.services.db.pool, ctx.principal, endpoint.id);
  return { ...endpoint, secret: ctx.services.webhookSigner.secretFor(row.secret_salt) };
}

/**
 * webhookEndpoints.create. The answer stored for idempotent replays has no secret: the caller
 * adds it with withSecret, so secrets are never written to the database.
 */
export async function createWebhookEndpoint(
  tx: Transaction,
  ctx: Ctx,
  input: z.output<typeof createWebhookEndpointInput>,
): Promise<WebhookEndpoint> {
  checkUrl(input.url, ctx.principal.livemode);
  const [row] = await query<EndpointRow>(
    tx,
    `INSERT INTO webhook_endpoints (id, merchant_id, livemode, url, description, enabled_events,
       status, secret_salt, metadata, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'enabled', $7, $8, now()) RETURNING ${COLUMNS}`,
    [
      newId('webhookEndpoint'),
      ctx.principal.merchantId,
      ctx.principal.livemode,
      input.url,
      input.description ?? null,
      [...new Set(input.enabled_events)],
      WebhookSigner.newSalt(),
      JSON.stringify(withoutEmptyValues(input.metadata ?? {})),
    ],
  );
  return webhookEndpointView(row as EndpointRow);
}

export async function updateWebhookEndpoint(
  tx: Transaction,
  ctx: Ctx,
  input: z.output<typeof updateWebhookEndpointInput>,
): Promise<WebhookEndpoint> {
  const row = await loadWebhookEndpoint(tx, ctx.principal, input.id, { forUpdate: true });
  if (input.url !== undefined) {
    checkUrl(input.url, ctx.principal.livemode);
    row.url = input.url;
  }
  if (input.enabled_events !== undefined) row.enabled_events = [...new Set(input.enabled_events)];
  if (input.description !== undefined) row.description = input.description;
  if (input.disabled !== undefined) row.status = input.disabled ? 'disabled' : 'enabled';
  if (input.metadata !== undefined) row.metadata = mergeMetadata(row.metadata, input.metadata);
  await tx.query(
    `UPDATE webhook_endpoints SET url = $2, enabled_events = $3, description = $4, status = $5,
       metadata = $6, updated_at = now() WHERE id = $1`,
    [
      row.id,
      row.url,
      row.enabled_events,
      row.description,
      row.status,
      JSON.stringify(row.metadata),
    ],
  );
  return webhookEndpointView(row);
}

/** A new salt signs from now on; the old one keeps signing beside it until it expires. */
export async function rollWebhookEndpointSecret(
  tx: Transaction,
  ctx: Ctx,
  input: z.output<typeof rollWebhookEndpointSecretInput>,
): Promise<WebhookEndpoint> {
  const row = await loadWebhookEndpoint(tx, ctx.principal, input.id, { forUpdate: true });
  await tx.query(
    `UPDATE webhook_endpoints SET secret_salt = $2, previous_secret_salt = $3,
       previous_secret_expires_at = now() + make_interval(hours => $4), updated_at = now()
     WHERE id = $1`,
    [row.id, WebhookSigner.newSalt(), row.secret_salt, input.expires_in_hours],
  );
  return webhookEndpointView(row);
}

/** Deleting an endpoint drops its deliveries, pending ones included. */
export async function deleteWebhookEndpoint(
  tx: Transaction,
  ctx: Ctx,
  id: string,
): Promise<DeletedWebhookEndpoint> {
  const row = await loadWebhookEndpoint(tx, ctx.principal, id, { forUpdate: true });
  await tx.query('DELETE FROM webhook_endpoints WHERE id = $1', [row.id]);
  return { id: row.id, object: 'webhook_endpoint', deleted: true };
}

export async function listWebhookEndpoints(
  db: Queryable,
  ctx: Ctx,
  input: z.output<typeof listWebhookEndpointsInput>,
): Promise<{ object: 'list'; data: WebhookEndpoint[]; has_more: boolean }> {
  const { rows, hasMore } = await keysetPage<EndpointRow>(db, {
    table: 'webhook_endpoints',
    columns: COLUMNS,
    filters: [
      ['merchant_id = ?', ctx.principal.merchantId],
      ['livemode = ?', ctx.principal.livemode],
    ],
    page: input,
    cursor: (id) =>
      loadWebhookEndpoint(db, ctx.principal, id, {
        param: input.starting_after ? 'starting_after' : 'ending_before',
      }),
  });
  return { object: 'list', data: rows.map(webhookEndpointView), has_more: hasMore };
}
