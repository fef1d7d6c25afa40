import { type BlockRequest, blockRunner } from "@escalate/core";

/** One web worker of the pool: the core's block protocol over postMessage. */
const run = blockRunner();

self.onmessage = (event: MessageEvent<BlockRequest>) => {
  const reply = run(event.data);
  (self as unknown as Worker).postMessage(reply, "acc" in reply ? [reply.acc.buffer as ArrayBuffer] : []);
};
