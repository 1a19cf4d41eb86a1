/**
 * S3's own clock, read from the `Date` header of an answer. Lock leases and
 * "abandoned upload" ages are measured between two S3 timestamps (an object's
 * LastModified or an upload's Initiated, and the Date of the answer that
 * reported it), so a skewed clock on the machine running `layer` changes
 * nothing. Core does not depend on the SDK: this adds a middleware to one
 * command through the structural middleware-stack interface.
 */
import type { AwsClientWithMiddleware } from './aws-errors.js';

export interface ServerClock {
  /** The Date header of the last answer to the command, if one came. */
  readonly date: Date | undefined;
}

/** Records the `Date` header of the answers to `command` (call before sending it). */
export function captureServerDate(command: AwsClientWithMiddleware): ServerClock {
  const clock: { date: Date | undefined } = { date: undefined };
  command.middlewareStack.add(
    (next: (args: unknown) => Promise<{ response?: { headers?: Record<string, string> } }>) => async (args: unknown) => {
      const result = await next(args);
      const header = result.response?.headers?.date;
      const parsed = header ? new Date(header) : undefined;
      if (parsed && !Number.isNaN(parsed.getTime())) clock.date = parsed;
      return result;
    },
    { step: 'deserialize', name: 'lambdaLayerCaptureServerDate', priority: 'low' },
  );
  return clock;
}
