import {
  type BlockJob,
  type BlockReply,
  blockCount,
  blocksOf,
  blocksPerMessage,
  type CalibrationOptions,
  type CalibrationResult,
  checkSimulationInputs,
  checkTrials,
  checkTruth,
  createDesign,
  MESSAGES_IN_FLIGHT,
  type OperatingCharacteristics,
  summariseBlocks,
} from "@escalate/core";
import type { OneOffRequest } from "./simulation.worker.js";

export interface BrowserSimulation extends BlockJob {
  /** Web workers to use; default one per logical core. */
  workers?: number;
  onProgress?: (blocksDone: number, blocks: number) => void;
  signal?: AbortSignal;
}

/**
 * Workers are kept between runs: starting one (loading and compiling the core) costs more than a
 * typical run, so the second simulation of a session starts at once. A cancelled or failed run
 * terminates them (they may be mid-block) and the next run starts fresh ones.
 */
let pool: Worker[] = [];
const workerPool = (size: number): Worker[] => {
  while (pool.length < size) pool.push(new Worker(new URL("./simulation.worker.ts", import.meta.url), { type: "module" }));
  return pool.slice(0, size);
};
const discardPool = () => {
  for (const worker of pool) worker.terminate();
  pool = [];
};

/**
 * Monte Carlo operating characteristics on a pool of web workers running the core. Blocks are summed in
 * block order, so the result equals the core's `simulate` (and the CLI's) for the same seed, whatever the
 * number of workers. Rejects with an AbortError when `signal` aborts.
 */
export function simulateInBrowser(options: BrowserSimulation): Promise<OperatingCharacteristics> {
  const design = createDesign(options.spec);
  checkTruth(options.truth, design.doseCount);
  checkTrials(options.trials, options.seed);
  checkSimulationInputs(design, options.calendar, options.efficacy);
  const blocks = blockCount(options.trials);
  const size = Math.max(1, Math.min(options.workers ?? navigator.hardwareConcurrency ?? 2, blocks));
  const job: BlockJob = {
    spec: options.spec,
    truth: [...options.truth],
    seed: options.seed,
    trials: options.trials,
    ...(options.calendar ? { calendar: options.calendar } : {}),
    ...(options.efficacy ? { efficacy: [...options.efficacy] } : {}),
  };
  return new Promise((resolve, reject) => {
    const results: Float64Array[] = new Array(blocks);
    let next = 0;
    let done = 0;
    let settled = false;
    const workers = workerPool(size);
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      for (const worker of workers) {
        worker.onmessage = null;
        worker.onerror = null;
      }
      if (error) {
        discardPool();
        return reject(error);
      }
      resolve(summariseBlocks(results, design.doseCount));
    };
    if (options.signal?.aborted) return finish(new DOMException("The simulation was cancelled", "AbortError"));
    options.signal?.addEventListener("abort", () => finish(new DOMException("The simulation was cancelled", "AbortError")));
    for (const worker of workers) {
      let inFlight = 0;
      const feed = () => {
        while (inFlight < MESSAGES_IN_FLIGHT && next < blocks) {
          const count = blocksPerMessage(blocks - next, size);
          worker.postMessage({ block: next, count });
          next += count;
          inFlight++;
        }
      };
      worker.onmessage = (event: MessageEvent<BlockReply>) => {
        const message = event.data;
        if ("error" in message) return finish(new Error(message.error));
        if ("ready" in message) return feed();
        for (const { block, acc } of blocksOf(message)) results[block] = acc;
        inFlight--;
        done += message.count;
        options.onProgress?.(done, blocks);
        if (done === blocks) finish();
        else feed();
      };
      worker.onerror = (event) => finish(new Error(event.message || "a simulation worker failed"));
      worker.postMessage(job);
    }
  });
}

/**
 * One job in a web worker of its own, so the page stays responsive; a cancelled job terminates the
 * worker at once.
 */
function inWorker<T>(request: OneOffRequest, signal?: AbortSignal, onProgress?: (fraction: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./simulation.worker.ts", import.meta.url), { type: "module" });
    const finish = () => worker.terminate();
    signal?.addEventListener("abort", () => {
      finish();
      reject(new DOMException("The run was cancelled", "AbortError"));
    });
    worker.onmessage = (event: MessageEvent<{ result: T } | { error: string } | { progress: number }>) => {
      if ("progress" in event.data) return onProgress?.(event.data.progress);
      finish();
      if ("error" in event.data) reject(new Error(event.data.error));
      else resolve(event.data.result);
    };
    worker.onerror = (event) => {
      finish();
      reject(new Error(event.message || "the worker failed"));
    };
    worker.postMessage(request);
  });
}

/** Exact operating characteristics (every trial path, weighted by its probability) in a web worker. */
export function exactInBrowser(
  spec: Record<string, unknown>,
  truth: readonly number[],
  signal?: AbortSignal,
): Promise<OperatingCharacteristics> {
  return inWorker({ exact: { spec, truth: [...truth] } }, signal);
}

/** Calibration by exact probability of correct selection (the core's calibrateByPcs) in a web worker. */
export function calibrateInBrowser(
  spec: Record<string, unknown>,
  options: Omit<CalibrationOptions, "onProgress">,
  signal?: AbortSignal,
  onProgress?: (fraction: number) => void,
): Promise<CalibrationResult> {
  return inWorker({ calibrate: { spec, options } }, signal, onProgress);
}
