/** subjectAltName entries as every command's output shows them. */
import { x509 } from './x509-runtime.js';

const LABELS: Record<string, string> = { dns: 'DNS', ip: 'IP', email: 'email', url: 'URI', dn: 'dirName', id: 'RID' };

/** subjectAltName entries in OpenSSL's conf spelling: DNS:x, IP:y, email:z, URI:u. */
export function subjectAltNameStrings(extension: { rawData: ArrayBuffer } | undefined): string[] {
  if (!extension) return [];
  return new x509.SubjectAlternativeNameExtension(extension.rawData).names.items.map((n) => `${LABELS[n.type] ?? n.type}:${n.value}`);
}
