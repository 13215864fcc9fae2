/**
 * The whole command tree, in the order `mtlskit --help` lists it. Each group registers itself from its own
 * file in src/cli/groups/ (the file name is the group's name), so that scripts/bundle.mjs can build one bundle
 * per group; each command file imports its heavy modules lazily, inside its action.
 */
import type { Command } from 'commander';
import { registerGroup as ca } from '../groups/ca.js';
import { registerGroup as client } from '../groups/client.js';
import { registerGroup as completion } from '../groups/completion.js';
import { registerGroup as crl } from '../groups/crl.js';
import { registerGroup as csr } from '../groups/csr.js';
import { registerGroup as doctor } from '../groups/doctor.js';
import { registerGroup as exportGroup } from '../groups/export.js';
import { registerGroup as importGroup } from '../groups/import.js';
import { registerGroup as list } from '../groups/list.js';
import { registerGroup as probe } from '../groups/probe.js';
import { registerGroup as renew } from '../groups/renew.js';
import { registerGroup as revoke } from '../groups/revoke.js';
import { registerGroup as serve } from '../groups/serve.js';
import { registerGroup as server } from '../groups/server.js';
import { registerGroup as show } from '../groups/show.js';
import { registerGroup as status } from '../groups/status.js';
import { registerGroup as verify } from '../groups/verify.js';
import { registerGroup as wizard } from '../groups/wizard.js';

const GROUPS: Record<string, (program: Command) => void> = {
  ca,
  server,
  client,
  csr,
  export: exportGroup,
  import: importGroup,
  revoke,
  crl,
  verify,
  wizard,
  show,
  list,
  serve,
  probe,
  doctor,
  renew,
  status,
  completion,
};

/**
 * Registers every command, or only `onlyGroup` when it names one: a run such as `mtlskit verify ...`
 * then skips building the rest of the tree. Help, version and unknown commands get the whole tree.
 */
export function registerCommands(program: Command, onlyGroup?: string): void {
  const one = onlyGroup !== undefined && Object.hasOwn(GROUPS, onlyGroup) ? GROUPS[onlyGroup] : undefined;
  if (one) one(program);
  else for (const register of Object.values(GROUPS)) register(program);
}
