#!/usr/bin/env node
// The `escalate` command. This file is committed, not built: npm links a package's commands when it
// installs it, before `prepare` has built dist/, and silently skips a command whose file is missing.
import "../dist/bin.js";
