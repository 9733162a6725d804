// Owns the errors the load generator throws before or instead of a run.

/** Closed set of codes; tests assert the code, not the message. */
export const LoadgenErrorCode = {
  /** An option is out of bounds, or the target is not a loopback address. */
  InvalidOptions: 'LOADGEN_INVALID_OPTIONS',
  /** A socket could not be opened, bound or connected. */
  Socket: 'LOADGEN_SOCKET',
} as const;
export type LoadgenErrorCode = (typeof LoadgenErrorCode)[keyof typeof LoadgenErrorCode];

/** Thrown (as a rejected promise) by `runRadiusLoad` when it cannot start. */
export class LoadgenError extends Error {
  readonly code: LoadgenErrorCode;

  constructor(code: LoadgenErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LoadgenError';
    this.code = code;
  }
}
