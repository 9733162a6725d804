// Owns the CLI's exit codes and the error type commands throw to end with a clear message.

/** 0 success · 1 the operation failed · 2 bad usage or configuration · 3 not initialised or key unusable. */
export const ExitCode = { Ok: 0, Failed: 1, Usage: 2, NotReady: 3 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An expected failure: the message is printed as is (no stack) and the process exits with `exitCode`. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.Failed,
  ) {
    super(message);
  }
}
