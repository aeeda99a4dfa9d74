/**
 * The one thing every repository function receives: the tables, and a way to run queries and
 * transactions that works the same on SQLite (better-sqlite3, sync driver) and Postgres/PGlite.
 *
 * Why the Postgres types: drizzle's query builders have the same shape in both dialects and both are
 * awaitable, so repositories are written once against the pg types; on SQLite the same calls run
 * against the SQLite tables (./schema/parity.ts proves the row types equal, and the tests run every
 * repository on both dialects).
 *
 * Transactions: drizzle's better-sqlite3 `transaction` cannot take an async callback, so SQLite uses an
 * explicit BEGIN IMMEDIATE/COMMIT on its single connection, serialized by a mutex; Postgres and PGlite
 * use drizzle's real transactions. The open transaction is tracked per async context, so any store call
 * made inside `tx(fn)` — through any repository — joins it instead of deadlocking or escaping it.
 * A `tx` inside a `tx` runs in a savepoint, so a unit that fails inside a larger transaction is undone
 * alone (the same on every dialect); sibling savepoints of one transaction are taken one at a time.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type * as pgSchema from "./schema/pg.js";

export type Dialect = "sqlite" | "postgres" | "pglite";
export type Db = PgDatabase<PgQueryResultHKT>;
export type Tables = typeof pgSchema;

export interface Ctx {
  readonly dialect: Dialect;
  readonly t: Tables;
  /** The executor to use now: the open transaction of this async context, else the root connection. */
  db(): Db;
  /** Runs fn in one transaction (a savepoint of the open one, if any): all its writes land, or none. */
  tx<T>(fn: () => Promise<T>): Promise<T>;
}

interface Frame {
  db: Db;
  open: boolean;
  /** Serializes the savepoints opened directly inside this frame (they share one connection). */
  lock: Mutex;
}

/** How a dialect opens a transaction, and a savepoint inside an open one, around a callback. */
export interface TxDriver {
  begin<T>(fn: (txDb: Db) => Promise<T>): Promise<T>;
  savepoint<T>(txDb: Db, fn: (spDb: Db) => Promise<T>): Promise<T>;
}

/** Builds the context of one open database from its root executor and transaction driver. */
export function makeCtx(dialect: Dialect, t: Tables, root: Db, driver: TxDriver): Ctx {
  const als = new AsyncLocalStorage<Frame>();
  const current = () => {
    const f = als.getStore();
    return f?.open ? f : undefined;
  };
  const enter = async <T>(db: Db, fn: () => Promise<T>): Promise<T> => {
    const frame: Frame = { db, open: true, lock: new Mutex() };
    try {
      return await als.run(frame, fn);
    } finally {
      frame.open = false; // stray async work that outlives the transaction falls back to the root
    }
  };
  return {
    dialect,
    t,
    db: () => current()?.db ?? root,
    tx: (fn) => {
      const outer = current();
      if (!outer) return driver.begin((db) => enter(db, fn));
      return outer.lock.run(() => driver.savepoint(outer.db, (db) => enter(db, fn)));
    },
  };
}

/** Postgres and PGlite: drizzle's transactions; its nested `transaction` is a savepoint on the same client. */
export function pgTxDriver(root: Db): TxDriver {
  return {
    begin: (fn) => root.transaction((tx) => fn(tx as unknown as Db)),
    savepoint: (db, fn) => db.transaction((sp) => fn(sp as unknown as Db)),
  };
}

/** A FIFO lock: SQLite has one connection, so only one transaction may be open on it at a time. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
