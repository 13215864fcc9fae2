/**
 * Renewing the CA certificate: the same key, subject and extensions (subject key identifier included) with a
 * new validity, so everything issued before still verifies. A root signs itself; an intermediate is signed
 * again by its parent, which records it in its own index as `ca init --issuer` does.
 */
import { basename } from 'node:path';
import { MtlsError, usageError } from '../errors.js';
import { certificateExtensions } from '../pki/cert-extensions.js';
import { signCertificateDer } from '../pki/certificate.js';
import { sha256Fingerprint } from '../pki/fingerprint.js';
import { nameDerToSlashForm } from '../pki/name-text.js';
import { derToPem } from '../pki/pem.js';
import { readCertificate, type CertInfo } from '../pki/verify-cert.js';
import { certificateSignedBy } from '../pki/verify-signature.js';
import { randomSerialHex } from '../store/ca-store.js';
import { rootWindow } from './init-ca.js';
import { validityWindow } from './issue.js';
import type { LoadedCa } from './load-ca.js';

export interface CaRenewResult {
  dir: string;
  subject: string;
  serial: string;
  previousSerial: string;
  /** True when the serial was kept because adopted certificates name the CA by issuer and serial. */
  keptSerial: boolean;
  notBefore: string;
  notAfter: string;
  previousNotAfter: string;
  subjectKeyIdentifier?: string;
  issuer: string;
  fingerprintSha256: string;
  files: { certificate: string; chain: string };
  notes: string[];
  warnings: string[];
}

export async function renewCa(ca: LoadedCa, parent: LoadedCa | undefined, days: number): Promise<CaRenewResult> {
  const current = ca.certificate;
  const { paths } = ca.store;
  const selfIssued = current.subjectKey === current.issuerKey;
  const notes: string[] = [];
  const warnings: string[] = [];
  if (!selfIssued && !parent)
    throw usageError(
      `${paths.cert} is an intermediate CA issued by '${current.issuer}'; renew it with its parent: mtlskit ca renew --dir ${paths.dir} --issuer PARENT_DIR.`,
    );
  if (selfIssued && parent)
    throw usageError(`${paths.cert} is a root CA (self-issued); it renews itself, so leave out --issuer.`);
  if (
    parent &&
    (parent.certificate.subjectKey !== current.issuerKey || !certificateSignedBy(current, parent.certificate.spki))
  )
    throw new MtlsError(
      'CA_REFUSED',
      `${parent.store.paths.cert} (${parent.certificate.subject}) did not issue ${paths.cert} (issued by '${current.issuer}'); give the CA folder that did.`,
    );
  // The same extensions, byte for byte: basicConstraints, keyUsage, subject and authority key identifiers, ...
  const extensions = certificateExtensions(current.der);
  const keepSerial = selfIssued && ca.settings.keepCaSerial === true;
  if (keepSerial)
    notes.push(
      `kept serial ${current.serialHex}: certificates from before the adoption name this CA by issuer and serial number`,
    );

  const sign = (serialHex: string): CertInfo => {
    const window = parent ? validityWindow(parent.certificate, days) : rootWindow(days);
    if (window.clamped)
      warnings.push(
        `The intermediate's validity was shortened to end with its issuer on ${window.notAfter.toISOString()}.`,
      );
    const der = signCertificateDer(
      {
        subject: current.subjectDer,
        subjectKey: ca.key,
        serialHex,
        notBefore: window.notBefore,
        notAfter: window.notAfter,
        extensions,
      },
      parent ? { certificate: parent.certificate, key: parent.key } : { key: ca.key },
    );
    return readCertificate(der, paths.cert);
  };

  let renewed: CertInfo;
  if (parent) {
    const parentStore = parent.store;
    parentStore.ensureLayout();
    renewed = await parentStore.withLock(async () => {
      const serial = parentStore.newSerial(new Set(parentStore.readIndex().map((e) => e.serialHex.toUpperCase())));
      const signed = sign(serial);
      await parentStore.commit({
        files: [{ path: parentStore.certPathForSerial(serial), data: derToPem(signed.der, 'CERTIFICATE') }],
        append: [
          {
            status: 'V',
            notAfter: signed.notAfter,
            serialHex: serial,
            name: basename(paths.dir),
            subject: nameDerToSlashForm(current.subjectDer),
          },
        ],
      });
      return signed;
    });
    warnings.push(
      `Servers that send NAME-chain.crt files made before today still send the old intermediate certificate (valid until ${current.notAfter.toISOString().slice(0, 10)}); give them ${paths.chain}'s first certificate instead, or renew them.`,
    );
  } else {
    renewed = sign(keepSerial ? current.serialHex : randomSerialHex());
  }

  const pem = derToPem(renewed.der, 'CERTIFICATE');
  const chainPem = pem + (parent ? parent.chainPem : '');
  ca.store.ensureLayout();
  await ca.store.withLock(() =>
    ca.store.commit({
      files: [
        { path: paths.cert, data: pem, replace: true },
        { path: paths.chain, data: chainPem, replace: true },
      ],
    }),
  );
  return {
    dir: paths.dir,
    subject: renewed.subject,
    serial: renewed.serialHex,
    previousSerial: current.serialHex,
    keptSerial: keepSerial,
    notBefore: renewed.notBefore.toISOString(),
    notAfter: renewed.notAfter.toISOString(),
    previousNotAfter: current.notAfter.toISOString(),
    ...(renewed.ski ? { subjectKeyIdentifier: renewed.ski } : {}),
    issuer: renewed.issuer,
    fingerprintSha256: sha256Fingerprint(renewed.der),
    files: { certificate: paths.cert, chain: paths.chain },
    notes,
    warnings,
  };
}
