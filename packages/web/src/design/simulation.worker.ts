import { type BlockRequest, blockRunner, createDesign, exactOperatingCharacteristics } from "@escalate/core";

/**
 * One web worker of the pool: the core's block protocol over postMessage; or, for a worker started for
 * it, one exact enumeration (the same worker module, so the core is bundled for workers once).
 */
export type ExactRequest = { exact: { spec: Record<string, unknown>; truth: number[] } };
const run = blockRunner();

self.onmessage = (event: MessageEvent<BlockRequest | ExactRequest>) => {
  const message = event.data;
  const worker = self as unknown as Worker;
  if ("exact" in message) {
    try {
      worker.postMessage({ result: exactOperatingCharacteristics(createDesign(message.exact.spec), { truth: message.exact.truth }) });
    } catch (error) {
      worker.postMessage({ error: error instanceof Error ? error.message : String(error) });
    }
    return;
  }
  const reply = run(message);
  worker.postMessage(reply, "acc" in reply ? [reply.acc.buffer as ArrayBuffer] : []);
};
