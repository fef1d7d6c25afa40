import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Resolve workspace packages to their TypeScript sources, so tests need no build.
    conditions: ["source"],
  },
  ssr: {
    resolve: {
      conditions: ["source"],
    },
  },
  test: {
    include: ["packages/*/src/**/*.test.{ts,tsx}", "packages/web/e2e/**/*.test.ts", "bench/**/*.test.ts"],
    testTimeout: 60_000,
  },
});
