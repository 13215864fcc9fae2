/** Short text forms shared by every command's output: fingerprints and subjectAltName entries. */
import { createHash } from 'node:crypto';
import { x509 } from './x509-runtime.js';

/** SHA-256 of the DER, as `openssl x509 -fingerprint -sha256` prints it (AB:CD:...). */
export function sha256Fingerprint(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

const LABELS: Record<string, string> = { dns: 'DNS', ip: 'IP', email: 'email', url: 'URI', dn: 'dirName', id: 'RID' };

/** subjectAltName entries in OpenSSL's conf spelling: DNS:x, IP:y, email:z, URI:u. */
export function subjectAltNameStrings(extension: { rawData: ArrayBuffer } | undefined): string[] {
  if (!extension) return [];
  return new x509.SubjectAlternativeNameExtension(extension.rawData).names.items.map((n) => `${LABELS[n.type] ?? n.type}:${n.value}`);
}
