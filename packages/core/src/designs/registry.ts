import { z } from "zod";
import { blrmDesign } from "./blrm/module.js";
import { boinDesign } from "./boin/module.js";
import { boin12Design } from "./boin12/module.js";
import { crmDesign, titeCrmDesign } from "./crm/module.js";
import { keyboardDesign } from "./keyboard/module.js";
import type { DesignModule } from "./module.js";
import { mtpi2Design } from "./mtpi2/module.js";
import { threePlusThreeDesign } from "./three-plus-three/module.js";
import { titeBoinDesign } from "./tite-boin/module.js";

/** Every design, in the order lists show them. Adding a design: its folder, and its module here. */
export const DESIGN_MODULES = [
  boinDesign,
  titeBoinDesign,
  keyboardDesign,
  mtpi2Design,
  threePlusThreeDesign,
  crmDesign,
  titeCrmDesign,
  blrmDesign,
  boin12Design,
] as const;

type AnySchema = (typeof DESIGN_MODULES)[number]["schema"];

/** A design file, any design: the union of the modules' schemas, told apart by `design`. */
export const designSpec = z.discriminatedUnion(
  "design",
  DESIGN_MODULES.map((module) => module.schema) as unknown as [AnySchema, ...AnySchema[]],
);

export type DesignSpec = z.infer<typeof designSpec>;
export type DesignSpecInput = z.input<typeof designSpec>;
export type DesignName = DesignSpec["design"];
export const DESIGN_NAMES: readonly DesignName[] = DESIGN_MODULES.map((module) => module.name);

/** The module of a design by its name (undefined for an unknown name). */
export function designModule(name: string): DesignModule<DesignSpec> | undefined {
  return DESIGN_MODULES.find((module) => module.name === name) as unknown as DesignModule<DesignSpec> | undefined;
}
