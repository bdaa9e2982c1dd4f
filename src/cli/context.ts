// What every command is given and answers: the process's output streams and its exit codes.
export const EXIT = { ok: 0, error: 1, changes: 2 } as const;

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Reads a password without echo (commands/admin.ts); unset → the terminal or stdin (read-secret.ts). */
  readSecret?(prompt: string): Promise<string>;
}

/** What a command's action answers: the exit code, or 'running' for a command that keeps the process (serve). */
export type CommandOutcome = number | 'running';

export interface CommandContext {
  io: CliIo;
  /** Records the outcome of the command that ran. */
  finish(outcome: CommandOutcome): void;
}
