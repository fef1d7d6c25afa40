import {
  type BlockRequest,
  blockRunner,
  type CalibrationOptions,
  calibrateByPcs,
  createDesign,
  type DesignSpec,
  exactOperatingCharacteristics,
} from "@escalate/core";

/**
 * One web worker of the pool: the core's block protocol over postMessage; or, for a worker started for
 * it, one exact enumeration or one calibration (the same worker module, so the core is bundled for
 * workers once). A one-off job answers `{ progress }` as it goes, then `{ result }` or `{ error }`.
 */
export type OneOffRequest =
  | { exact: { spec: Record<string, unknown>; truth: number[] } }
  | { calibrate: { spec: Record<string, unknown>; options: Omit<CalibrationOptions, "onProgress"> } };
const run = blockRunner();

self.onmessage = (event: MessageEvent<BlockRequest | OneOffRequest>) => {
  const message = event.data;
  const worker = self as unknown as Worker;
  if ("exact" in message || "calibrate" in message) {
    try {
      const result =
        "exact" in message
          ? exactOperatingCharacteristics(createDesign(message.exact.spec), { truth: message.exact.truth })
          : calibrateByPcs(message.calibrate.spec as DesignSpec, {
              ...message.calibrate.options,
              onProgress: (done, total) => worker.postMessage({ progress: done / total }),
            });
      worker.postMessage({ result });
    } catch (error) {
      worker.postMessage({ error: error instanceof Error ? error.message : String(error) });
    }
    return;
  }
  // Copied, never transferred: a detached buffer slows every typed array in the worker (`blockRunner`).
  worker.postMessage(run(message));
};
