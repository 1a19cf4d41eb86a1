export { main } from './main.js';
export { buildParser } from './parser.js';
export {
  runCommand,
  exitCodeFor,
  errorOutput,
  toOneLineError,
  EXIT_OK,
  EXIT_FAILURE,
  EXIT_USAGE,
  type RunnerIO,
  type GlobalFlags,
} from './runner.js';
export { createAwsClients, type AwsClients, type AwsSettings } from './aws-clients.js';
export type { CommandContext, LayerCommand } from './command.js';
export { commands } from './commands/index.js';
