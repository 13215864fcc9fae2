/**
 * Marks the values a flag accepts, for `mtlskit completion` and for --help's "(choices: ...)". Only the
 * list is recorded (commander's own choices() would also reject other values with its generic message;
 * the commands check them themselves, with a sentence that names the accepted values).
 */
import type { Command } from 'commander';

export function offerValues(cmd: Command, flag: string, values: readonly string[]): void {
  const option = cmd.options.find((o) => o.long === flag);
  if (option) option.argChoices = [...values];
}
