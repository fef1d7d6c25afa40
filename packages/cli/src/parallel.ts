import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import {
  addAccumulator,
  blockCount,
  checkTrials,
  checkTruth,
  createAccumulator,
  createDesign,
  type DesignSpec,
  type OperatingCharacteristics,
  simulateBlock,
  summarise,
} from "@escalate/core";

export interface ParallelSimulation {
  spec: DesignSpec;
  truth: readonly number[];
  trials: number;
  seed: number;
  /** Worker threads; defaults to every core. 1 runs in this thread. */
  threads?: number;
  onProgress?: (blocksDone: number, blocks: number) => void;
}

export interface WorkerRequest {
  spec: DesignSpec;
  truth: number[];
  seed: number;
  trials: number;
}

/**
 * Monte Carlo over worker threads. Blocks of trials are handed out one at a time to whichever worker
 * is free and summed in block order at the end, so the result is identical for any thread count.
 */
export async function simulateInParallel(options: ParallelSimulation): Promise<OperatingCharacteristics> {
  const design = createDesign(options.spec);
  const truth = checkTruth(options.truth, design.doseCount);
  checkTrials(options.trials, options.seed);
  const blocks = blockCount(options.trials);
  const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), blocks));
  const results: Float64Array[] = new Array(blocks);
  let done = 0;
  if (threads === 1) {
    for (let block = 0; block < blocks; block++) {
      results[block] = simulateBlock(design, truth, options.seed, block, options.trials);
      options.onProgress?.(++done, blocks);
    }
  } else {
    const request: WorkerRequest = { spec: options.spec, truth: Array.from(truth), seed: options.seed, trials: options.trials };
    let nextBlock = 0;
    await Promise.all(
      Array.from({ length: threads }, () =>
        runWorker(
          request,
          () => (nextBlock < blocks ? nextBlock++ : -1),
          (block, acc) => {
            results[block] = acc;
            options.onProgress?.(++done, blocks);
          },
        ),
      ),
    );
  }
  const total = createAccumulator(design.doseCount);
  for (const block of results) addAccumulator(total, block);
  return summarise(total, design.doseCount, false);
}

function runWorker(request: WorkerRequest, takeBlock: () => number, onBlock: (block: number, acc: Float64Array) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = spawnSimulationWorker();
    const sendNext = () => {
      const block = takeBlock();
      if (block < 0) {
        void worker.terminate().then(() => resolve());
      } else {
        worker.postMessage({ block });
      }
    };
    worker.on("message", (message: { block: number; acc: Float64Array } | { error: string }) => {
      if ("error" in message) {
        reject(new Error(message.error));
        void worker.terminate();
        return;
      }
      onBlock(message.block, message.acc);
      sendNext();
    });
    worker.on("error", reject);
    worker.postMessage(request);
    sendNext();
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
