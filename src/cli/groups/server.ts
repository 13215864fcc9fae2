import type { Command } from 'commander';
import { registerServerIssue } from '../commands/server/issue.js';

export function registerGroup(program: Command): void {
  registerServerIssue(program.command('server').description('server certificates (what the API gateway presents)'));
}
