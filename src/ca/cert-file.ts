/** Certificates from files the user or the store names, as DER, checked to be certificates without the X.509 library. */
import { MtlsError } from '../errors.js';
import { certificateFields, type CertificateFields } from '../pki/cert-fields.js';
import { readDerObjects } from '../pki/pem.js';
import { readInputFile } from '../store/input-file.js';

export interface CertificateDer {
  der: Buffer;
  fields: CertificateFields;
}

export function readCertificateDers(path: string, describe = path): CertificateDer[] {
  const data = readInputFile(path, 'certificate');
  return readDerObjects(data, ['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE'], describe, 'certificate').map(
    (der) => ({
      der,
      fields: certificateFieldsOf(der, describe),
    }),
  );
}

export function certificateFieldsOf(der: Buffer, describe: string): CertificateFields {
  try {
    return certificateFields(der);
  } catch {
    throw new MtlsError(
      'BAD_INPUT',
      `${describe} holds something that is not an X.509 certificate; give a PEM or DER certificate.`,
    );
  }
}
