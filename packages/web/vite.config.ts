import react from "@vitejs/plugin-react";
import { defaultClientConditions, defineConfig } from "vite";

// The core is bundled from its TypeScript sources ("source" condition), like the tests resolve it.
export default defineConfig({
  plugins: [react()],
  resolve: { conditions: ["source", ...defaultClientConditions] },
  worker: { format: "es" },
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 3000 },
  server: { proxy: { "/api": "http://127.0.0.1:8080" } },
});
