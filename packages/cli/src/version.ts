import { readFileSync } from 'node:fs';

/** This package's version, as `layer --version` prints it (read once, by main.ts's quick answer and by yargs alike). */
export const CLI_VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
