#!/usr/bin/env node
// The `escalate` command. This file is committed, not built: npm links a package's commands when it
// installs it, before `prepare` has built the bundle, and silently skips a command whose file is missing.
import { loadBundle } from "./bundle-loader.js";

const cli = loadBundle();
const { stdout, stderr, exitCode } = await cli.exports.run(process.argv.slice(2));
process.stdout.write(stdout);
process.stderr.write(stderr);
process.exitCode = exitCode;
if (!cli.cacheAccepted) {
  try {
    cli.saveCache();
  } catch {
    // An installation the user cannot write to: the next command compiles again, which is only slower.
  }
}
