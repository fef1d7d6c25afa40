import { createDesign, type Design, simulateBlock } from "@escalate/core";
import type { SimulationJob, WorkerMessage } from "./simulation.js";

/**
 * One web worker of the pool: builds the design from a SimulationJob, answers `{ ready }`, then runs the
 * blocks of trials it is sent. Each block draws from its own seeded streams, so results do not depend on
 * which worker ran which block.
 */
let design: Design | undefined;
let job: SimulationJob | undefined;
let truth: Float64Array | undefined;

const reply = (message: WorkerMessage, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(message, transfer);

self.onmessage = (event: MessageEvent<SimulationJob | { block: number }>) => {
  try {
    const message = event.data;
    if ("spec" in message) {
      job = message;
      design = createDesign(message.spec);
      truth = Float64Array.from(message.truth);
      reply({ ready: true });
      return;
    }
    if (!design || !job || !truth) throw new Error("a block arrived before the design");
    const acc = simulateBlock(design, truth, job.seed, message.block, job.trials);
    reply({ block: message.block, acc }, [acc.buffer as ArrayBuffer]);
  } catch (error) {
    reply({ error: error instanceof Error ? error.message : String(error) });
  }
};
