import type { Command } from 'commander';
import { registerClientIssue } from '../commands/client/issue.js';

export function registerGroup(program: Command): void {
  registerClientIssue(program.command('client').description('client certificates (what the integration presents)'));
}
