import { parentPort } from "node:worker_threads";
import { createDesign, type Design, simulateBlock } from "@escalate/core";
import type { WorkerRequest } from "./parallel.js";

/**
 * Runs blocks of simulated trials for `simulateInParallel`: first a WorkerRequest, answered with
 * `{ ready: true }` once the design is built, then `{ block }` messages.
 */
let design: Design | undefined;
let request: WorkerRequest | undefined;
let truth: Float64Array | undefined;

parentPort?.on("message", (message: WorkerRequest | { block: number }) => {
  try {
    if ("spec" in message) {
      request = message;
      design = createDesign(message.spec);
      truth = Float64Array.from(message.truth);
      parentPort?.postMessage({ ready: true });
      return;
    }
    if (!design || !request || !truth) throw new Error("worker received a block before its design");
    const acc = simulateBlock(design, truth, request.seed, message.block, request.trials);
    parentPort?.postMessage({ block: message.block, acc }, [acc.buffer as ArrayBuffer]);
  } catch (error) {
    parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
