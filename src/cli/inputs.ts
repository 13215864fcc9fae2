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

/** A token's user PIN: --pin, else a hidden prompt on a TTY (asked once; a wrong PIN is never retried). */
export function pinFrom(source: string | undefined, flag = '--pin'): (describe: string) => Promise<string> {
  return (describe: string) => obtainPassword({ source, flag, prompt: `PIN for ${describe}` });
}

export interface TokenFlags {
  pin?: string;
  pkcs11Module?: string;
  passin?: string;
}

/**
 * How a CA key in a PKCS#11 token is reached: --pin (else the URI's pin-source, else --passin, else a
 * prompt) and --pkcs11-module (else PKCS11_MODULE, else what mtlskit.json recorded).
 */
export function tokenAccessFrom(opts: TokenFlags): {
  pin?: (d: string) => Promise<string>;
  askPin?: (d: string) => Promise<string>;
  module?: string;
} {
  return {
    ...(opts.pin !== undefined ? { pin: pinFrom(opts.pin) } : {}),
    ...(opts.passin === undefined ? { askPin: pinFrom(undefined) } : {}),
    ...(opts.pkcs11Module !== undefined ? { module: opts.pkcs11Module } : {}),
  };
}

/** Adds --pin and --pkcs11-module to a command that signs with the CA key. */
export function addTokenOptions<T extends { option(flags: string, description: string): T }>(cmd: T): T {
  return cmd
    .option(
      '--pin <source>',
      'PIN of the PKCS#11 token holding the CA key: pass:, env:, file:, fd:, stdin (else a prompt)',
    )
    .option(
      '--pkcs11-module <path>',
      "PKCS#11 module to open the CA's token with (default: PKCS11_MODULE, else as recorded)",
    );
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
