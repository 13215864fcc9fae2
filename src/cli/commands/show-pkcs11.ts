/** `mtlskit show pkcs11`: the tokens of a PKCS#11 module and, with --pin, their key objects. */
import { usageError } from '../../errors.js';
import { pinFrom } from '../inputs.js';
import { out, type Output } from '../output.js';

export async function showPkcs11(
  opts: { pkcs11Module?: string; pin?: string; pkcs11?: string },
  output: Output,
): Promise<void> {
  const modulePath = opts.pkcs11Module ?? process.env.PKCS11_MODULE;
  if (!modulePath)
    throw usageError(
      'show pkcs11 needs the module: give --pkcs11-module PATH (e.g. /usr/lib/softhsm/libsofthsm2.so) or set PKCS11_MODULE.',
    );
  const [{ describeModule }, { parsePkcs11Uri }] = await Promise.all([
    import('../../pki/pkcs11.js'),
    import('../../pki/pkcs11-uri.js'),
  ]);
  const uri = opts.pkcs11 ? parsePkcs11Uri(opts.pkcs11) : undefined;
  const view = await describeModule(modulePath, opts.pin !== undefined ? pinFrom(opts.pin) : undefined, uri);
  const lines = [`${out.bold(view.module)}: ${view.tokens.length} slot(s) with a token`];
  for (const t of view.tokens) {
    lines.push(
      `  slot ${t.slotId}: ${t.label ? `token '${t.label}'` : '(no initialised token)'}  ${t.manufacturer} ${t.model}, serial ${t.serial || '-'}`,
      `    flags: ${t.flags.join(', ') || '-'}`,
    );
    if (!t.keys) continue;
    if (t.keys.length === 0) lines.push(`    no key objects${opts.pin === undefined ? ' visible without --pin' : ''}`);
    for (const k of t.keys)
      lines.push(
        `    ${k.class.padEnd(7)} ${k.type.padEnd(9)} label '${k.label}'  id ${k.id || '-'}  [${k.flags.join(', ')}]`,
        `            ${k.uri}`,
      );
    if (opts.pin === undefined && !t.keys.some((k) => k.class === 'private'))
      lines.push('    (private keys are listed after logging in: add --pin)');
  }
  output.result({ ...view }, lines);
}
