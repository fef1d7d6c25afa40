import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { buildApp } from "./app.js";
import { openStore, type Store } from "./db/database.js";
import { createTestDatabase, createTestServer, type TestServer } from "./test-support.js";

const CONTRACT = join(dirname(fileURLToPath(import.meta.url)), "contract");

describe("the API contract", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer("sqlite");
  });
  afterAll(() => server.close());

  it("declares a response schema on every route of the OpenAPI document", async () => {
    const document = (await server.app.inject({ method: "GET", url: "/api/docs/json" })).json();
    const missing: string[] = [];
    let routes = 0;
    for (const [path, operations] of Object.entries<Record<string, { responses?: Record<string, { content?: object }> }>>(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        routes++;
        const success = Object.entries(operation.responses ?? {}).filter(([status]) => /^2\d\d$/.test(status));
        if (success.length === 0 || success.some(([, answer]) => !answer.content)) missing.push(`${method.toUpperCase()} ${path}`);
        // Refusals in their one shape: the field, the value and what is allowed.
        if (!operation.responses?.["4XX"]?.content) missing.push(`${method.toUpperCase()} ${path} (refusals)`);
      }
    }
    expect(routes).toBeGreaterThan(40);
    expect(missing).toEqual([]);
    // Described, not just named: the decision's recommendation lists its fields.
    const decision = document.paths["/api/trials/{trialId}/decisions/{decisionId}"].get.responses["200"].content["application/json"].schema;
    expect(decision.properties.recommendation.properties.action.enum).toContain("escalate");
  });

  it("keeps the contract browser-safe: zod, the core and its own files only", () => {
    for (const file of readdirSync(CONTRACT).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))) {
      const imports = [...readFileSync(join(CONTRACT, file), "utf8").matchAll(/from "([^"]+)"/g)].map((m) => m[1]!);
      for (const source of imports)
        expect([file, source]).toEqual([file, expect.stringMatching(/^(zod|@escalate\/core|\.\/[a-z-]+\.js)$/)]);
    }
  });
});

describe("an answer outside its route's schema", () => {
  let store: Store;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const database = await createTestDatabase("sqlite");
    store = await openStore(database.location);
    drop = database.drop;
  });
  afterAll(async () => {
    await store.close();
    await drop();
  });

  async function answer(strictResponses: boolean) {
    const logged: string[] = [];
    const app = await buildApp({ store, strictResponses, logger: { level: "error", stream: { write: (line) => logged.push(line) } } });
    app.get(
      "/drifted",
      { schema: { response: { 200: z.object({ count: z.number() }) } }, config: { public: true } },
      // A handler whose answer no longer matches what the route declares.
      async () => ({ count: "three" }) as unknown as { count: number },
    );
    const response = await app.inject({ method: "GET", url: "/drifted" });
    await app.close();
    return { response, logged: logged.join("\n") };
  }

  it("is a 500 in development and tests, so the drift is found at once", async () => {
    const { response } = await answer(true);
    expect(response.statusCode).toBe(500);
  });

  it("is sent as it is in a deployment, and logged with the field at fault", async () => {
    const { response, logged } = await answer(false);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ count: "three" });
    expect(logged).toMatch(/GET \/drifted answered outside its response schema: count/);
  });
});
