/** Turning flags into core inputs: password providers, subjects, key files. Light: no crypto imports. */
import { obtainPassword } from './pass-source.js';

/** For keys being read: --passin, else a prompt on a TTY. */
export function passwordFrom(source: string | undefined, flag = '--passin'): (describe: string) => Promise<string> {
  let cached: string | undefined;
  return async (describe: string) => {
    // One --passin source serves every key of the run (a stdin line is read once).
    cached ??= await obtainPassword({ source, flag, prompt: `Password for ${describe}`, allowEmpty: true });
    return cached;
  };
}

/** For a key or bundle being written: --passout, or undefined (no encryption) unless `required`. */
export async function newPassword(
  source: string | undefined,
  what: string,
  opts: { required?: boolean; allowEmpty?: boolean; flag?: string } = {},
): Promise<string | undefined> {
  const flag = opts.flag ?? '--passout';
  if (source === undefined && !opts.required) return undefined;
  return obtainPassword({
    source,
    flag,
    prompt: `New password for ${what}`,
    confirm: true,
    allowEmpty: opts.allowEmpty,
  });
}

export async function subjectFrom(text: string | undefined) {
  if (text === undefined) return undefined;
  const { parseSubjectString } = await import('../conf/subject.js');
  return parseSubjectString(text);
}
