import type { Ctx } from "../ctx.js";

/** What a dialect's connector hands to the store: a ready (migrated) context and how to close it. */
export interface Connection {
  ctx: Ctx;
  /** Applies pending migrations (a no-op when none are pending). */
  migrate(): Promise<void>;
  /** Number of migrations recorded as applied in the database. */
  migrationsApplied(): Promise<number>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Apply pending migrations on open (default true), then check the tables against this build's schema. */
  migrate: boolean;
  /** The database, safe to print (for error messages). */
  location: string;
}
