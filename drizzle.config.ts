import { defineConfig } from "drizzle-kit";

// Generates the committed SQL migrations in drizzle/ from lib/db/schema.ts (`npm run db:generate`).
export default defineConfig({
  dialect: "postgresql",
  schema: "./lib/db/schema.ts",
  out: "./drizzle",
});
