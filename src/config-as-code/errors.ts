// The one error the engine throws for a file it cannot plan or apply: every problem found, each with its place.
import type { ConfigProblem } from './types.js';

export class ConfigFileError extends Error {
  override name = 'ConfigFileError';
  constructor(
    readonly fileName: string,
    readonly problems: ConfigProblem[],
  ) {
    super(formatProblems(fileName, problems));
  }
}

/** `file:line:column path: message`, one problem a line. */
export function formatProblems(fileName: string, problems: ConfigProblem[]): string {
  const lines = problems.map((problem) => {
    const where = problem.line !== undefined ? `${fileName}:${problem.line}:${problem.column ?? 1}` : fileName;
    const path = problem.path ? ` ${problem.path}:` : '';
    return `${where}${path} ${problem.message}`;
  });
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return `${fileName}: ${count}, nothing was changed\n${lines.map((l) => `  ${l}`).join('\n')}`;
}
