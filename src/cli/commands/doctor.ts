import type { Command } from 'commander';
import { describeCommand, runAction, type CommonOptions } from '../command-kit.js';
import { out, type Output } from '../output.js';
import { writeOut } from '../stdio.js';

interface Options extends CommonOptions {
  repair?: boolean;
}

export function registerDoctor(program: Command): void {
  const cmd = describeCommand(program.command('doctor'), {
    summary:
      'check that the CA folder is sound (index, certificate copies, keys, CRL, leftovers); --repair fixes what is safe',
    description:
      'Checks: index.txt parses; every record has certs/SERIAL.pem with the same serial, subject and expiry; no serial twice;\n' +
      'every NAME.crt from this CA is recorded and NAME.key fits it; private keys are 0600; the CRL is current, signed by the CA\n' +
      'and lists every revoked record; no interrupted change (journal), temporary file or lock of an ended process is left.\n' +
      'Each problem is one line. Reads openssl ca (demoCA) and easy-rsa folders too, without changing them.\n' +
      '--repair (mtlskit folders): finishes or undoes an interrupted change, removes temporary files of ended processes,\n' +
      'rebuilds a missing certs/SERIAL.pem from NAME.crt, records a NAME.crt this CA signed but never recorded, makes keys 0600;\n' +
      'then checks again and says what it did.',
    examples: [
      ['mtlskit doctor', 'check ./pki; exit 1 lists each problem on one line'],
      ['mtlskit doctor --repair', 'make the safe repairs, then check again'],
      ['mtlskit doctor --dir /etc/easy-rsa/pki --json', 'check an easy-rsa CA (read-only), for a script'],
    ],
    exitCodes: [
      [1, 'problems found (after --repair: problems left that need a person)'],
      [2, 'no CA folder in --dir, or --repair on an openssl ca / easy-rsa folder'],
      [6, '--repair: another process kept the CA store locked too long'],
      [7, '--repair: the operating system refused a write'],
    ],
  });
  cmd
    .option('--repair', 'make the safe repairs first (mtlskit folders only)')
    .action(runAction<Options>(async (_args, opts, output) => doctorAction(opts, output)));
}

async function doctorAction(opts: Options, output: Output): Promise<number> {
  const { examineStore, repairStore } = await import('../../store/doctor.js');
  const repaired = opts.repair ? await repairStore(opts.dir) : undefined;
  const report = examineStore(opts.dir);
  if (output.json) {
    writeOut(JSON.stringify({ ok: report.sound, ...report, ...(repaired ? { repaired } : {}) }, null, 2) + '\n');
    return report.sound ? 0 : 1;
  }
  const lines: string[] = [];
  if (repaired) {
    if (repaired.length === 0) lines.push('Nothing needed repairing.');
    for (const a of repaired) lines.push(`${out.green('repaired:')} ${a}`);
  }
  const size =
    `${report.records} record(s)` +
    (report.revoked ? ` (${report.revoked} revoked)` : '') +
    `, ${report.certificateFiles} certificate file(s)` +
    (report.crl
      ? `, CRL${report.crl.number ? ` #${report.crl.number}` : ''}${report.crl.nextUpdate ? ` valid until ${report.crl.nextUpdate.slice(0, 10)}` : ''}`
      : '');
  const layout = report.layout === 'mtlskit' ? '' : ` (${report.layout} folder, read-only)`;
  if (report.sound) {
    lines.push(`${out.green('✔')} ${report.dir}${layout} is sound: ${size}.`);
  } else {
    lines.push(
      `${out.red('✘')} ${report.problems.length} problem(s) in ${report.dir}${layout}: ${size}.`,
      ...report.problems.map((p) => `  ${out.red('✘')} ${p.message} ${out.dim(`[${p.code}]`)}`),
    );
    const fixable = report.problems.filter((p) => p.repairable).length;
    if (fixable > 0 && !opts.repair)
      lines.push(`Run 'mtlskit doctor --repair --dir ${opts.dir}' to fix ${fixable} of them.`);
  }
  for (const n of report.notes) lines.push(`  ${out.dim(`note: ${n}`)}`);
  for (const line of lines) writeOut(line + '\n');
  return report.sound ? 0 : 1;
}
