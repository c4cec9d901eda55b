import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type createFileInput, type KassaFile, newId } from '@kassa/contracts';
import { type Queryable, query } from '@kassa/db';
import type { z } from 'zod';
import type { DomainContext } from '../context.ts';
import { KassaApiError } from '../errors.ts';
import { loadOwned } from '../owned.ts';

/**
 * Where uploaded files' bytes live. Kassa keeps them on disk by default (DiskFileStorage);
 * an object store (S3, GCS) is another implementation of these two methods.
 */
export interface FileStorage {
  put(key: string, bytes: Buffer): Promise<void>;
  get(key: string): Promise<Buffer>;
}

/** Files under one directory, each written to a temporary name first, then renamed (atomic). */
export class DiskFileStorage implements FileStorage {
  constructor(private readonly root: string) {}

  private path(key: string): string {
    if (!/^[A-Za-z0-9_/-]+$/.test(key) || key.includes('..'))
      throw new Error(`bad file key ${key}`);
    return join(this.root, key);
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, bytes, { mode: 0o600 });
    await rename(temporary, path);
  }

  get(key: string): Promise<Buffer> {
    return readFile(this.path(key));
  }
}

/** The largest file: the API's request body is 1 MB, and base64 takes a third more. */
export const MAX_FILE_BYTES = 700 * 1024;

/** What the bytes are, from their first bytes: a name or a claimed type is not believed. */
function sniff(bytes: Buffer): KassaFile['type'] | undefined {
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return undefined;
}

interface FileRow {
  id: string;
  livemode: boolean;
  purpose: 'dispute_evidence';
  filename: string;
  type: KassaFile['type'];
  size: number;
  sha256: string;
  storage_key: string;
  created_at: Date;
}

const COLUMNS = 'id, livemode, purpose, filename, type, size, sha256, storage_key, created_at';

export function fileView(row: FileRow): KassaFile {
  return {
    id: row.id,
    object: 'file',
    purpose: row.purpose,
    filename: row.filename,
    type: row.type,
    size: row.size,
    sha256: row.sha256,
    livemode: row.livemode,
    created: Math.floor(row.created_at.getTime() / 1000),
  };
}

/** files.create: a PDF, PNG or JPEG (by its content), at most 700 KB, for dispute evidence. */
export async function createFile(
  ctx: DomainContext,
  input: z.output<typeof createFileInput>,
): Promise<KassaFile> {
  const storage = ctx.services.files;
  if (!storage)
    throw new KassaApiError({
      type: 'api_error',
      code: 'file_storage_not_configured',
      message: 'This Kassa keeps no files (no file storage is configured).',
      status: 503,
    });
  const bytes = Buffer.from(input.content, 'base64');
  const invalid = (message: string) =>
    new KassaApiError({
      type: 'invalid_request_error',
      code: 'file_invalid',
      message,
      param: 'content',
    });
  if (bytes.length === 0 || bytes.toString('base64') !== input.content.replace(/\s/g, ''))
    throw invalid('content must be the file in base64.');
  if (bytes.length > MAX_FILE_BYTES)
    throw invalid(
      `A file is at most ${MAX_FILE_BYTES / 1024} KB; this one is ${Math.ceil(bytes.length / 1024)} KB.`,
    );
  const type = sniff(bytes);
  if (!type) throw invalid('A file must be a PDF, a PNG or a JPEG.');
  const id = newId('file');
  const row: FileRow = {
    id,
    livemode: ctx.principal.livemode,
    purpose: input.purpose,
    filename: input.filename,
    type,
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    storage_key: `${ctx.principal.merchantId}/${id}`,
    created_at: ctx.services.clock.now(),
  };
  // The bytes first: a row never names a file that is not stored (an orphan file is harmless).
  await storage.put(row.storage_key, bytes);
  await query(
    ctx.services.db.pool,
    `INSERT INTO files (id, merchant_id, livemode, purpose, filename, type, size, sha256, storage_key, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      row.id,
      ctx.principal.merchantId,
      row.livemode,
      row.purpose,
      row.filename,
      row.type,
      row.size,
      row.sha256,
      row.storage_key,
      row.created_at,
    ],
  );
  return fileView(row);
}

export async function retrieveFile(db: Queryable, ctx: DomainContext, id: string) {
  return fileView(
    await loadOwned<FileRow>(
      db,
      ctx.principal,
      { table: 'files', columns: COLUMNS, what: 'file' },
      id,
    ),
  );
}
