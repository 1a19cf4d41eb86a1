#!/usr/bin/env node
// The `layer` command. Kept tiny: everything heavy is imported lazily by the command that needs it.
import { main } from '../dist/main.js';
const code = await main(process.argv.slice(2));
process.exitCode = code;
// Interrupted (130/143): the step has stopped and said so; leave now rather than wait for work already
// handed to the thread pool (a deflate of a chunk) that no one will use.
if (code === 130 || code === 143) process.exit(code);
