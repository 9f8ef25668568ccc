import type { NextConfig } from "next";
import createNextIntlPlugin from "next-intl/plugin";
import { CONFIG_HEADER_RULES } from "./lib/http/security-headers";

const withNextIntl = createNextIntlPlugin("./lib/i18n/request.ts");

const nextConfig: NextConfig = {
  // PGlite ships WASM and data files that must be loaded from node_modules at run time, not bundled.
  serverExternalPackages: ["@electric-sql/pglite", "postgres", "bcryptjs", "exceljs"],
  poweredByHeader: false,
  // `npm test` type-checks the whole tree with tsc first; the build need not do it again.
  typescript: { ignoreBuildErrors: true },
  // Every path, static files included; the pages' Content-Security-Policy and HSTS come from proxy.ts.
  async headers() {
    return CONFIG_HEADER_RULES.map((rule) => ({ source: rule.source, headers: [...rule.headers] }));
  },
};

export default withNextIntl(nextConfig);
