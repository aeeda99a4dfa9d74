import { defineConfig } from "drizzle-kit";

// Migrations for the embedded SQLite store. Regenerate both dialects together: `npm run db:generate`.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/store/schema/sqlite.ts",
  out: "./drizzle/sqlite",
});
