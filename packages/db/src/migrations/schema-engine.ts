import { AsyncLocalStorage } from 'node:async_hooks';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm/schema_engine_bg';
import pg from 'pg';
import { schemaPath } from '../paths.ts';

/**
 * Prisma's own schema engine, compiled to WebAssembly (@prisma/schema-engine-wasm), driven
 * through the pg driver adapter. The native schema-engine binary cannot be downloaded on
 * offline machines; this is the same differ `prisma migrate diff` uses, so drift checks and new
 * migrations come out exactly as Prisma would write them.
 */

/** Tables that exist only in SQL (not modelled in schema.prisma) and must not count as drift. */
export const externalTables: string[] = [];

const OID_CHAR = 18; // PostgreSQL's internal one-byte "char" type
const OID_TEXT = 25;
const COLUMN_TYPE_CHARACTER = 6; // ColumnTypeEnum.Character in @prisma/driver-adapter-utils

// Node has WebAssembly as a global; TypeScript declares it only with the DOM library.
declare const WebAssembly: {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: object): Promise<{ exports: object }>;
};

let engineClass: Promise<typeof SchemaEngine> | undefined;
let lastPanic: string | undefined;

async function loadEngineClass() {
  // wasm-bindgen reports Rust panics through this global before the trap.
  (globalThis as Record<string, unknown>).PRISMA_WASM_PANIC_REGISTRY = {
    set_message(message: string) {
      lastPanic = message;
    },
  };
  const bindings = await import('@prisma/schema-engine-wasm/schema_engine_bg');
  const wasmPath = createRequire(import.meta.url)
    .resolve('@prisma/schema-engine-wasm/schema_engine_bg')
    .replace(/\.js$/, '.wasm');
  const module = await WebAssembly.compile(await readFile(wasmPath));
  const instance = await WebAssembly.instantiate(module, { './schema_engine_bg.js': bindings });
  bindings.__wbg_set_wasm(instance.exports as never);
  (instance.exports as { __wbindgen_start: () => void }).__wbindgen_start();
  return bindings.SchemaEngine;
}

/**
 * A pg-backed adapter factory the engine can introspect through. adapter-pg has no mapping for
 * the "char" type that the engine's catalog queries return (pg_constraint.contype and others)
 * and expects as Character columns, so pg reports them as text and, per query, we tell the
 * engine which columns they were.
 */
function adapterFactory(pool: pg.Pool): SqlMigrationAwareDriverAdapterFactory {
  const charColumns = new AsyncLocalStorage<number[]>();
  const query = pool.query.bind(pool) as (config: unknown) => Promise<pg.QueryResult>;
  (pool as { query: unknown }).query = async (config: unknown) => {
    const result = await query(config);
    result.fields?.forEach((field, index) => {
      if (field.dataTypeID === OID_CHAR) {
        field.dataTypeID = OID_TEXT;
        charColumns.getStore()?.push(index);
      }
    });
    return result;
  };
  const wrap = (adapter: SqlDriverAdapter): SqlDriverAdapter => {
    const queryRaw = adapter.queryRaw.bind(adapter);
    adapter.queryRaw = async (q) => {
      const columns: number[] = [];
      const result = await charColumns.run(columns, () => queryRaw(q));
      for (const index of columns) result.columnTypes[index] = COLUMN_TYPE_CHARACTER;
      return result;
    };
    return adapter;
  };
  const inner = new PrismaPg(pool);
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: async () => wrap(await inner.connect()),
    connectToShadowDb: async () => wrap(await inner.connectToShadowDb()),
  };
}

export interface SchemaDiff {
  /** True when the database already matches the schema. */
  inSync: boolean;
  /** The SQL that would bring the database to the schema (empty when in sync). */
  sql: string;
}

/**
 * Runs `work` with a schema engine connected to the database at `url` and loaded with
 * `schema` (schema.prisma by default).
 */
export async function withSchemaEngine<T>(
  url: string,
  work: (engine: SchemaEngine, files: Array<{ path: string; content: string }>) => Promise<T>,
  options: { schema?: string } = {},
): Promise<T> {
  engineClass ??= loadEngineClass();
  const Engine = await engineClass;
  const schema = options.schema ?? (await readFile(schemaPath, 'utf8'));
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  let engine: SchemaEngine | undefined;
  lastPanic = undefined;
  try {
    engine = await Engine.new(
      { datamodels: [['schema.prisma', schema]] },
      () => {},
      bindMigrationAwareSqlAdapterFactory(adapterFactory(pool)),
    );
    return await work(engine, [{ path: 'schema.prisma', content: schema }]);
  } catch (error) {
    if (lastPanic) throw new Error(`Prisma schema engine panicked: ${lastPanic}`, { cause: error });
    throw error;
  } finally {
    try {
      engine?.free();
    } finally {
      await pool.end();
    }
  }
}

/**
 * Compares the live database at `url` with schema.prisma using Prisma's differ.
 * Used by the drift test, `kassa db status` and `kassa db new`.
 */
export function diffDatabaseToSchema(
  url: string,
  options: { schema?: string } = {},
): Promise<SchemaDiff> {
  return withSchemaEngine(
    url,
    async (engine, files) => {
      const result = await engine.diff({
        from: { tag: 'schemaDatasource', files, configDir: '.' },
        to: { tag: 'schemaDatamodel', files },
        script: true,
        exitCode: true,
        filters: { externalTables, externalEnums: [] },
      });
      // exitCode 2 means "there is a difference" (`prisma migrate diff --exit-code`).
      const inSync = result.exitCode === 0;
      return { inSync, sql: inSync ? '' : (result.stdout ?? '') };
    },
    options,
  );
}
