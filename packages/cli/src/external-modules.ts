/**
 * The ES modules a command loads only when it needs them: the server (its database drivers), worker threads
 * and Vega. `escalate` runs a one-file bundle compiled from V8's code cache, where Node 20 cannot run an
 * import() (it needs --experimental-vm-modules); bin/bundle-loader.js passes its own import as
 * `__escalateImport`. From dist/ and in tests this is a plain import().
 */
interface ExternalModules {
  "@escalate/server": typeof import("@escalate/server");
  "@escalate/server/simulation": typeof import("@escalate/server/simulation");
  vega: typeof import("vega");
  "vega-lite": typeof import("vega-lite");
}

declare const __escalateImport: ((specifier: string) => Promise<unknown>) | undefined;

export function importExternal<Name extends keyof ExternalModules>(name: Name): Promise<ExternalModules[Name]> {
  return (typeof __escalateImport === "function" ? __escalateImport(name) : import(name)) as Promise<ExternalModules[Name]>;
}
