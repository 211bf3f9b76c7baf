// Errors the CLI reports as one clear message and an exit code, never a stack trace.
export const EXIT = { ok: 0, rolledBack: 1, badInput: 2, paused: 3 } as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.badInput,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
