// Owns the pino logger setup shared by the server and the CLI: JSON lines, secrets redacted by key name.
import pino, { type Logger } from 'pino';

/**
 * SECURITY A5.2: passwords, secrets and codes never reach the log. Code never logs them on purpose; the redaction
 * list is the second line of defence against an object logged whole.
 */
const REDACT = [
  'password',
  'secret',
  'code',
  'otp',
  '*.password',
  '*.secret',
  '*.code',
  '*.otp',
  'err.config',
  'config.secret',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'assent' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}
