import { createDesign, exactOperatingCharacteristics } from "@escalate/core";

/** Exact operating characteristics off the page's thread: one design and scenario per message. */
self.onmessage = (event: MessageEvent<{ spec: Record<string, unknown>; truth: number[] }>) => {
  try {
    const result = exactOperatingCharacteristics(createDesign(event.data.spec), { truth: event.data.truth });
    (self as unknown as Worker).postMessage({ result });
  } catch (error) {
    (self as unknown as Worker).postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
};
