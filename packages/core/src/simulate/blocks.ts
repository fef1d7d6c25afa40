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
export type BlockRequest = BlockJob | { block: number };
export type BlockReply = { ready: true } | { block: number; acc: Float64Array } | { error: string };

/** The worker's side: returns the reply to each message (post it, transferring `acc.buffer`). */
export function blockRunner(): (message: BlockRequest) => BlockReply {
  let job:
    | { design: Design; truth: Float64Array; seed: number; trials: number; calendar?: CalendarOptions; efficacy?: Float64Array }
    | undefined;
  // The last design is kept for the next job of the same spec (another scenario, another run): its
  // decision graph, grown by earlier blocks, serves them too.
  let last: { spec: string; design: Design } | undefined;
  const designOf = (spec: DesignSpec): Design => {
    const text = JSON.stringify(spec);
    if (last?.spec !== text) last = { spec: text, design: createDesign(spec) };
    return last.design;
  };
  return (message) => {
    try {
      if ("spec" in message) {
        job = {
          design: designOf(message.spec),
          truth: Float64Array.from(message.truth),
          seed: message.seed,
          trials: message.trials,
          ...(message.calendar ? { calendar: checkCalendar(message.calendar) } : {}),
          ...(message.efficacy ? { efficacy: Float64Array.from(message.efficacy) } : {}),
        };
        return { ready: true };
      }
      if (!job) throw new Error("a block arrived before the design");
      return {
        block: message.block,
        acc: simulateBlock(job.design, job.truth, job.seed, message.block, job.trials, job.calendar, job.efficacy),
      };
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
