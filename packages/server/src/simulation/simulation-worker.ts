import { parentPort } from "node:worker_threads";
import { type BlockRequest, blockRunner } from "@escalate/core";

/** Runs blocks of simulated trials for `simulateInParallel`: the core's block protocol over a worker thread. */
const run = blockRunner();

parentPort?.on("message", (message: BlockRequest) => {
  const reply = run(message);
  parentPort?.postMessage(reply, "acc" in reply ? [reply.acc.buffer as ArrayBuffer] : []);
});
