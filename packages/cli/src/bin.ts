#!/usr/bin/env node
import { run } from "./main.js";

const { stdout, stderr, exitCode } = await run(process.argv.slice(2));
process.stdout.write(stdout);
process.stderr.write(stderr);
process.exitCode = exitCode;
