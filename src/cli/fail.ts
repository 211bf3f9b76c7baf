// Errors the CLI reports as one clear message and an exit code, never a stack trace.
// The one table of exit codes: README ("Exit codes") and `firebreak deploy --help` print it.
export const EXIT = { ok: 0, rolledBack: 1, badInput: 2, paused: 3, superseded: 4, stoppedWaiting: 5, frozen: 6 } as const;

/** What each exit code of `firebreak deploy` means, in the order of the codes. */
export const EXIT_MEANINGS: [code: number, meaning: string][] = [
  [EXIT.ok, 'succeeded (or, without --wait: started, attached or queued)'],
  [EXIT.rolledBack, 'rolled back, aborted or failed'],
  [EXIT.badInput, 'bad input, refused (another version rolls out under train.mode: refuse), or no server; nothing was started'],
  [EXIT.paused, 'paused: waits for an operator (a held region, a manual gate, an operator pause)'],
  [EXIT.superseded, 'superseded: a newer version queued behind the same deploy started instead, before this one started'],
  [EXIT.stoppedWaiting, 'stopped waiting (--wait-timeout): the deploy goes on; the last line says how to follow it'],
  [EXIT.frozen, 'frozen: a freeze holds the deploy at a gate (started during it: no region touched); it goes on by itself after unfreeze'],
  [130, 'interrupted (Ctrl-C): stopped following; the deploy goes on'],
];

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.badInput,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
