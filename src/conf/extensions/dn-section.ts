import type { ConfEntry } from '../parse.js';
import type { DnEntry } from '../../pki/name.js';

/** A DN written as values (dirName sections): keys are attribute types, optionally numbered `1.OU`. */
export function subjectFromValuesSection(section: ConfEntry[]): DnEntry[] {
  return section.map((e) => ({ type: /^[^.:,]*[.:,](.+)$/.exec(e.key)?.[1] ?? e.key, value: e.value }));
}
