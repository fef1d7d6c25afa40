import { parentPort } from "node:worker_threads";
import { type BlockRequest, blockRunner } from "@escalate/core";

/** Runs blocks of simulated trials for `simulateInParallel`: the core's block protocol over a worker thread. */
const run = blockRunner();

// Replies are copied, never transferred (see `blockRunner`).
parentPort?.on("message", (message: BlockRequest) => parentPort?.postMessage(run(message)));
