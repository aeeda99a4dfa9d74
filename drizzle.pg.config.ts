import { defineConfig } from "drizzle-kit";

// Migrations for PostgreSQL and PGlite. Regenerate both dialects together: `npm run db:generate`.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/store/schema/pg.ts",
  out: "./drizzle/pg",
});
