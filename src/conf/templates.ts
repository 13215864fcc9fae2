/** The built-in conf templates shipped in templates/ (package root = two levels above dist/conf/). */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export type TemplateName = 'ca' | 'server' | 'client';

export function templatePath(name: TemplateName): string {
  return join(fileURLToPath(new URL('../../templates/', import.meta.url)), `${name}.conf`);
}
