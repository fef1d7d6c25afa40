#!/usr/bin/env node
// The `escalate` command. This file is committed, not built: npm links a package's commands when it
// installs it, before `prepare` has built the bundle, and silently skips a command whose file is missing.
// The bundle (one file per command, from dist/ by esbuild) starts several times faster than the ~1,000
// modules it is made of.
import "../bundle/bin.js";
