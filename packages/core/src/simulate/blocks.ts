import { createDesign, type Design } from "../designs/design.js";
import type { DesignSpec } from "../designs/spec.js";
import { addAccumulator, createAccumulator, type OperatingCharacteristics, summarise } from "./accumulator.js";
import { type CalendarOptions, checkCalendar } from "./calendar.js";
import { simulateBlock } from "./monte-carlo.js";

/**
 * The protocol between a parallel simulation and its workers (Node worker threads or web workers),
 * free of any transport: the worker is sent a BlockJob, answers `{ ready }` once its design is built,
 * then answers each `{ block }` with that block's sums. Each block draws from its own seeded streams,
 * so results do not depend on which worker ran which block.
 */
export interface BlockJob {
  spec: DesignSpec;
  truth: number[];
  seed: number;
  trials: number;
  /** Calendar time (checked options), if simulated in it. */
  calendar?: CalendarOptions;
  /** Response probability per dose (calendar time). */
  efficacy?: number[];
}
/** Blocks [block, block + count) (count 1 by default): a worker asked for several at once answers them in one message. */
export type BlockRequest = BlockJob | { block: number; count?: number };
/** `acc` holds the `count` blocks' sums back to back. */
export type BlockReply = { ready: true } | { block: number; count: number; acc: Float64Array } | { error: string };

/** Messages of blocks queued ahead at each worker, so it never waits for the sending thread between blocks. */
export const MESSAGES_IN_FLIGHT = 2;

/** Blocks sent to a worker in one message, at most: a message costs about a tenth of a block of simple designs. */
const BLOCKS_PER_MESSAGE = 16;

/**
 * How many of the `remaining` blocks to send a worker in its next message, with `threads` threads
 * sharing them: up to `most`, fewer near the end, so every thread finishes at about once.
 */
export function blocksPerMessage(remaining: number, threads: number, most = BLOCKS_PER_MESSAGE): number {
  return Math.max(1, Math.min(most, Math.floor(remaining / (4 * threads))));
}

/** Each block's sums in a reply, with its block number. */
export function blocksOf(reply: { block: number; count: number; acc: Float64Array }): { block: number; acc: Float64Array }[] {
  const length = reply.acc.length / reply.count;
  return Array.from({ length: reply.count }, (_, i) => ({ block: reply.block + i, acc: reply.acc.subarray(i * length, (i + 1) * length) }));
}

let lastDesign: { spec: string; design: Design } | undefined;

/**
 * The design of a spec, the same object as last time when the spec is the same (another scenario,
 * another run): its decision graph, grown by earlier blocks, serves them too.
 */
export function designFor(spec: unknown): Design {
  const text = JSON.stringify(spec);
  if (lastDesign?.spec !== text) lastDesign = { spec: text, design: createDesign(spec) };
  return lastDesign.design;
}

/**
 * The worker's side: returns the reply to each message. Post it as it is, copied (a few hundred numbers):
 * transferring `acc.buffer` would detach it, and the first ArrayBuffer detached in a thread makes V8
 * recompile all its typed-array code with detach checks, for good. Workers that transferred their
 * replies ran blocks 10–15% slower than the main thread.
 */
export function blockRunner(): (message: BlockRequest) => BlockReply {
  let job:
    | { design: Design; truth: Float64Array; seed: number; trials: number; calendar?: CalendarOptions; efficacy?: Float64Array }
    | undefined;
  return (message) => {
    try {
      if ("spec" in message) {
        job = {
          design: designFor(message.spec),
          truth: Float64Array.from(message.truth),
          seed: message.seed,
          trials: message.trials,
          ...(message.calendar ? { calendar: checkCalendar(message.calendar) } : {}),
          ...(message.efficacy ? { efficacy: Float64Array.from(message.efficacy) } : {}),
        };
        return { ready: true };
      }
      if (!job) throw new Error("a block arrived before the design");
      const count = message.count ?? 1;
      const sums = Array.from({ length: count }, (_, i) =>
        simulateBlock(job!.design, job!.truth, job!.seed, message.block + i, job!.trials, job!.calendar, job!.efficacy),
      );
      if (count === 1) return { block: message.block, count, acc: sums[0]! };
      const acc = new Float64Array(count * sums[0]!.length);
      for (const [i, sum] of sums.entries()) acc.set(sum, i * sum.length);
      return { block: message.block, count, acc };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  };
}

/**
 * The operating characteristics from every block's sums, added in block order: the same result as
 * `simulate` for the same seed, whichever worker ran which block.
 */
export function summariseBlocks(blocks: readonly Float64Array[], doseCount: number): OperatingCharacteristics {
  const total = new Float64Array(blocks.length > 0 ? blocks[0]!.length : createAccumulator(doseCount).length);
  for (const block of blocks) addAccumulator(total, block);
  return summarise(total, doseCount, false);
}
