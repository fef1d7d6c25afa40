import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import {
  type BlockJob,
  type BlockReply,
  blockCount,
  blocksOf,
  blocksPerMessage,
  type CalendarOptionsInput,
  checkSimulationInputs,
  checkTrials,
  checkTruth,
  type DesignSpec,
  designFor,
  MESSAGES_IN_FLIGHT,
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
  /**
   * Leave this thread free (a server's queue worker): only worker threads simulate, `threads` of them,
   * so requests and queue heartbeats are answered while blocks are computed.
   */
  offMainThread?: boolean;
}

/**
 * Monte Carlo over threads (see `simulateBlocks`), summed in block order: the same result as the core's
 * `simulate` for any thread count.
 */
export async function simulateInParallel(options: ParallelSimulation): Promise<OperatingCharacteristics> {
  const blocks = await simulateBlocks(options);
  return summariseBlocks(blocks, designFor(options.spec).doseCount);
}

/**
 * The sums of blocks [from, to) of a Monte Carlo run (all of them by default), in block order. Blocks
 * are handed out to whichever thread is free (this thread one at a time, workers a few per message);
 * each draws from its own streams, so the sums do not depend on the thread count. This thread works too, from the first moment: a worker needs
 * a few hundred milliseconds to start and load the core, so short runs finish here before any worker
 * could help, and long runs use every core.
 */
export async function simulateBlocks(options: ParallelSimulation & { from?: number; to?: number }): Promise<Float64Array[]> {
  const design = designFor(options.spec);
  const truth = checkTruth(options.truth, design.doseCount);
  checkTrials(options.trials, options.seed);
  const { calendar, efficacy } = checkSimulationInputs(design, options.calendar, options.efficacy);
  const from = options.from ?? 0;
  const to = Math.min(options.to ?? blockCount(options.trials), blockCount(options.trials));
  const blocks = Math.max(0, to - from);
  const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), blocks));
  const mainThreadWorks = options.offMainThread !== true;
  const results: Float64Array[] = new Array(blocks);
  let nextBlock = from;
  let done = 0;
  // Workers take several blocks per message, this thread one at a time (blocksPerMessage). A cancelled
  // run hands out no more: the workers finish those they hold, and the run stops.
  const takeBlocks = (most?: number): { block: number; count: number } | null => {
    if (nextBlock >= to || options.signal?.aborted) return null;
    const count = blocksPerMessage(to - nextBlock, threads, most);
    const block = nextBlock;
    nextBlock += count;
    return { block, count };
  };
  const finishBlock = (block: number, acc: Float64Array) => {
    results[block - from] = acc;
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
  const workers: { worker: Worker; healthy: () => boolean }[] = [];
  /** Per worker: settles its promise if it holds no blocks (called when this thread runs out of blocks). */
  const releases: (() => void)[] = [];
  let failure: Error | undefined;
  const workersDone = Array.from({ length: mainThreadWorks ? threads - 1 : threads }, () =>
    // A worker's failure is remembered at once (no unhandled rejection) and stops this thread's loop.
    runWorker(request, () => takeBlocks(), finishBlock, workers, releases).catch((error: Error) => {
      failure ??= error;
    }),
  );
  let interrupted = true;
  let lastYield = performance.now();
  try {
    const takeOne = () => (mainThreadWorks ? (takeBlocks(1)?.block ?? -1) : -1);
    for (let block = takeOne(); block >= 0 && !failure; block = takeOne()) {
      options.signal?.throwIfAborted();
      finishBlock(block, simulateBlock(design, truth, options.seed, block, options.trials, calendar, efficacy));
      // Let the workers' results (and their requests for more blocks) through, and a cancellation in:
      // every millisecond or so, not after every block (a block of a simple design takes a fraction of one).
      if ((workersDone.length > 0 || options.signal) && performance.now() - lastYield > 1) {
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    }
    options.signal?.throwIfAborted();
    // Workers still loading, or idle, are not waited for when this thread has done the rest: only
    // blocks in flight are.
    if (mainThreadWorks) for (const release of releases) release();
    await Promise.all(workersDone);
    options.signal?.throwIfAborted();
    if (failure) throw failure;
    interrupted = false;
  } finally {
    // Back to the pool when the run ended well; a failed or cancelled run's workers may be mid-block.
    const ended = failure === undefined && !options.signal?.aborted && !interrupted;
    await Promise.all(workers.map(({ worker, healthy }) => releaseWorker(worker, ended && healthy())));
  }
  return results;
}

/**
 * Workers start once and are kept between runs: starting one (a thread, then loading the core) costs
 * more than many blocks, so only the first run of a process pays it. Idle workers are unreferenced, so
 * they never keep a process alive; a run that fails or is cancelled terminates its workers (they may be
 * mid-block) and the next run starts fresh ones.
 */
const idle: Worker[] = [];
/** Per worker: jobs posted whose "ready" has not arrived yet (a run may end before its worker has loaded). */
const readiesOwed = new WeakMap<Worker, number>();
let started = 0;

/** Threads started by `simulateInParallel` in this process so far (each is reused by later runs). */
export const simulationWorkersStarted = () => started;

function acquireWorker(): Worker {
  const worker = idle.pop() ?? startWorker();
  worker.ref();
  return worker;
}

function startWorker(): Worker {
  const worker = spawnSimulationWorker();
  started++;
  readiesOwed.set(worker, 0);
  // A worker that fails or exits while idle leaves the pool quietly; during a run its run reports it.
  const leave = () => {
    const at = idle.indexOf(worker);
    if (at >= 0) idle.splice(at, 1);
  };
  worker.on("error", leave);
  worker.on("exit", leave);
  // Counted here, idle or not, so a "ready" that comes after its run has ended is not lost.
  worker.on("message", (message: BlockReply) => {
    if ("ready" in message) readiesOwed.set(worker, (readiesOwed.get(worker) ?? 1) - 1);
  });
  return worker;
}

function releaseWorker(worker: Worker, healthy: boolean): Promise<unknown> {
  if (!healthy || idle.length >= availableParallelism()) return worker.terminate();
  worker.unref();
  idle.push(worker);
  return Promise.resolve();
}

function runWorker(
  request: BlockJob,
  takeBlocks: () => { block: number; count: number } | null,
  onBlock: (block: number, acc: Float64Array) => void,
  workers: { worker: Worker; healthy: () => boolean }[],
  releases: (() => void)[],
): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = acquireWorker();
    let inFlight = 0;
    let failed = false;
    const done = () => {
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
      resolve();
    };
    const fail = (error: Error) => {
      failed = true;
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
      reject(error);
    };
    workers.push({ worker, healthy: () => !failed && inFlight === 0 });
    releases.push(() => {
      if (inFlight === 0) done();
    });
    const sendNext = () => {
      const blocks = takeBlocks();
      if (blocks) {
        worker.postMessage(blocks);
        inFlight++;
      } else if (inFlight === 0) {
        done();
      }
    };
    const onMessage = (message: BlockReply) => {
      if ("error" in message) return fail(new Error(message.error));
      // Blocks are taken only once the worker can start on them, so none waits while it loads; a "ready"
      // for an earlier run's job (the worker was still loading when that run ended) is not this one's.
      if ("ready" in message) {
        if (readiesOwed.get(worker) === 0) for (let i = 0; i < MESSAGES_IN_FLIGHT; i++) sendNext();
        return;
      }
      inFlight--;
      for (const { block, acc } of blocksOf(message)) onBlock(block, acc);
      sendNext();
    };
    const onError = (error: Error) => fail(error);
    const onExit = (code: number) => {
      if (inFlight > 0) fail(new Error(`a simulation worker stopped (exit code ${code}) with ${inFlight} blocks unfinished`));
      else done();
    };
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
    readiesOwed.set(worker, (readiesOwed.get(worker) ?? 0) + 1);
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
