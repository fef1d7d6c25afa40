import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import {
  type BlockJob,
  type BlockReply,
  blockCount,
  type CalendarOptionsInput,
  checkSimulationInputs,
  checkTrials,
  checkTruth,
  createDesign,
  type DesignSpec,
  type OperatingCharacteristics,
  simulateBlock,
  summariseBlocks,
} from "@escalate/core";

export interface ParallelSimulation {
  spec: DesignSpec;
  truth: readonly number[];
  trials: number;
  seed: number;
  /** Simulate in calendar time (accrual, DLT window, time to DLT). */
  calendar?: CalendarOptionsInput;
  /** Response probability per dose (calendar time; needed with backfill). */
  efficacy?: readonly number[];
  /** Threads, this one included; defaults to every core. 1 runs in this thread only. */
  threads?: number;
  onProgress?: (blocksDone: number, blocks: number) => void;
  /** Stops between blocks (a cancelled study): the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Monte Carlo over threads. Blocks of trials are handed out one at a time to whichever thread is free
 * and summed in block order at the end, so the result is identical for any thread count. This thread
 * works too, from the first moment: a worker needs a few hundred milliseconds to start and load the
 * core, so short runs finish here before any worker could help, and long runs use every core.
 */
export async function simulateInParallel(options: ParallelSimulation): Promise<OperatingCharacteristics> {
  const design = createDesign(options.spec);
  const truth = checkTruth(options.truth, design.doseCount);
  checkTrials(options.trials, options.seed);
  const { calendar, efficacy } = checkSimulationInputs(design, options.calendar, options.efficacy);
  const blocks = blockCount(options.trials);
  const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), blocks));
  const results: Float64Array[] = new Array(blocks);
  let nextBlock = 0;
  let done = 0;
  const takeBlock = () => (nextBlock < blocks ? nextBlock++ : -1);
  const finishBlock = (block: number, acc: Float64Array) => {
    results[block] = acc;
    options.onProgress?.(++done, blocks);
  };
  const request: BlockJob = {
    spec: options.spec,
    truth: Array.from(truth),
    seed: options.seed,
    trials: options.trials,
    ...(calendar ? { calendar } : {}),
    ...(efficacy ? { efficacy: Array.from(efficacy) } : {}),
  };
  const workers: Worker[] = [];
  /** Per worker: settles its promise if it holds no blocks (called when this thread runs out of blocks). */
  const releases: (() => void)[] = [];
  let failure: Error | undefined;
  const workersDone = Array.from({ length: threads - 1 }, () =>
    // A worker's failure is remembered at once (no unhandled rejection) and stops this thread's loop.
    runWorker(request, takeBlock, finishBlock, workers, releases).catch((error: Error) => {
      failure ??= error;
    }),
  );
  try {
    for (let block = takeBlock(); block >= 0 && !failure; block = takeBlock()) {
      options.signal?.throwIfAborted();
      finishBlock(block, simulateBlock(design, truth, options.seed, block, options.trials, calendar, efficacy));
      // Let the workers' results (and their requests for more blocks) through between blocks, and a
      // cancellation in.
      if (workersDone.length > 0 || options.signal) await new Promise((resolve) => setImmediate(resolve));
    }
    options.signal?.throwIfAborted();
    // Workers still loading, or idle, are not waited for: only blocks in flight are.
    for (const release of releases) release();
    await Promise.all(workersDone);
    if (failure) throw failure;
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  return summariseBlocks(results, design.doseCount);
}

/** Blocks queued ahead at each worker, so it never waits for the main thread between blocks. */
const BLOCKS_IN_FLIGHT = 2;

function runWorker(
  request: BlockJob,
  takeBlock: () => number,
  onBlock: (block: number, acc: Float64Array) => void,
  workers: Worker[],
  releases: (() => void)[],
): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = spawnSimulationWorker();
    workers.push(worker);
    let inFlight = 0;
    releases.push(() => {
      if (inFlight === 0) resolve();
    });
    const sendNext = () => {
      const block = takeBlock();
      if (block >= 0) {
        worker.postMessage({ block });
        inFlight++;
      } else if (inFlight === 0) {
        resolve();
      }
    };
    worker.on("message", (message: BlockReply) => {
      if ("error" in message) {
        reject(new Error(message.error));
        return;
      }
      // Blocks are taken only once the worker can start on them, so none waits while it loads.
      if ("ready" in message) {
        for (let i = 0; i < BLOCKS_IN_FLIGHT; i++) sendNext();
        return;
      }
      inFlight--;
      onBlock(message.block, message.acc);
      sendNext();
    });
    worker.on("error", reject);
    worker.on("exit", (code) => {
      if (inFlight > 0) reject(new Error(`a simulation worker stopped (exit code ${code}) with ${inFlight} blocks unfinished`));
      else resolve();
    });
    worker.postMessage(request);
  });
}

/**
 * The worker runs compiled JavaScript. From TypeScript sources (tests, tsx) a small bootstrap registers
 * tsx's loader inside the worker first, because `--import tsx` in execArgv does not reach worker threads.
 */
function spawnSimulationWorker(): Worker {
  if (!import.meta.url.endsWith(".ts")) return new Worker(new URL("./simulation-worker.js", import.meta.url));
  const source = new URL("./simulation-worker.ts", import.meta.url).href;
  const bootstrap = `const { register } = await import("tsx/esm/api"); register(); await import(${JSON.stringify(source)});`;
  return new Worker(bootstrap, { eval: true, execArgv: ["--conditions=source"] });
}
