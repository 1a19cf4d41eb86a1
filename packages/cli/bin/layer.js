#!/usr/bin/env node
// The `layer` command. Kept tiny: everything heavy is imported lazily by the command that needs it.
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv.slice(2));
