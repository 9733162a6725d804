// Owns reading passwords and secrets for CLI commands without echoing them or putting them in argv.
import { createInterface } from 'node:readline';
import { CliError, ExitCode } from './cli-error.js';

/** A RADIUS shared secret for a new client (one rule for the CLI and the REST API). */
export { generateSecret } from '../admin/client-admin.js';
/** A random password for generated accounts (one rule for the CLI and the REST API). */
export { generatePassword } from '../admin/user-admin.js';

async function readLine(prompt: string, hidden: boolean): Promise<string> {
  const rl = createInterface({
    input: process.stdin,
    output: process.stderr,
    terminal: process.stdin.isTTY === true,
  });
  if (hidden && process.stdin.isTTY) {
    // Mute the echo of typed characters while keeping the prompt visible.
    const output = rl as unknown as { _writeToOutput: (s: string) => void };
    output._writeToOutput = (s: string) => {
      if (s.includes(prompt)) process.stderr.write(prompt);
    };
  }
  try {
    return await new Promise<string>((resolve, reject) => {
      rl.question(prompt, resolve);
      rl.once('close', () => reject(new CliError('no input on standard input', ExitCode.Usage)));
    });
  } finally {
    if (hidden && process.stdin.isTTY) process.stderr.write('\n');
    rl.close();
  }
}

/**
 * Reads a new password: asked twice on a terminal, or the first line of standard input when piped
 * (`printf 'pw\n' | assent user add alice --password-stdin`).
 */
export async function readNewPassword(what: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const line = await readLine('', false);
    if (line.length === 0) throw new CliError(`${what}: empty password on standard input`, ExitCode.Usage);
    return line;
  }
  const first = await readLine(`New ${what}: `, true);
  const second = await readLine(`Repeat ${what}: `, true);
  if (first !== second) throw new CliError(`${what}: the two entries differ`, ExitCode.Usage);
  if (first.length === 0) throw new CliError(`${what}: empty password refused`, ExitCode.Usage);
  return first;
}
