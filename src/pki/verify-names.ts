/**
 * Name matching for path validation: RFC 5280 7.1 distinguished-name comparison, RFC 6125 host
 * names (wildcards in the left-most label only), and the name-constraint subtree rules of 4.2.1.10.
 */
export { canonicalName } from './name-text.js';

/** RFC 6125 6.4: exact match, or `*` as the whole left-most label matching exactly one label. */
export function hostMatchesDnsName(host: string, pattern: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  const p = pattern.toLowerCase().replace(/\.$/, '');
  // The host is a name, never a pattern: '*.example.com' matches neither '*.example.com' nor 'www.example.com' (RFC
  // 9525 6.3; Go and pyca refuse such a host).
  if (h.includes('*')) return false;
  if (!p.startsWith('*.')) return h === p;
  const suffix = p.slice(2);
  // A wildcard needs at least two labels after it (no *.com) and never covers more than one label.
  if (suffix.split('.').length < 2 || suffix.includes('*')) return false;
  const dot = h.indexOf('.');
  return dot > 0 && h.slice(dot + 1) === suffix;
}

/**
 * DNS name constraint: the name equals the constraint or ends with "." + constraint (RFC 5280 4.2.1.10).
 * A constraint written with a leading dot (".example.com", outside RFC 5280) allows subdomains only, as OpenSSL
 * and Go read it. A wildcard name is judged by the domain it covers.
 */
export function dnsWithin(name: string, constraint: string): boolean {
  const wildcard = name.startsWith('*.');
  const n = name.toLowerCase().replace(/^\*\./, '');
  const c = constraint.toLowerCase();
  if (c === '' || c === '.') return true;
  // "*.example.com" names only subdomains of example.com, so ".example.com" covers it.
  if (c.startsWith('.')) return n.endsWith(c) || (wildcard && n === c.slice(1));
  return n === c || n.endsWith(`.${c}`);
}

/**
 * For excluded subtrees: the name is within the constraint, or (a wildcard) could stand for a host that is:
 * "*.example.com" touches an excluded "bar.example.com" (CVE-2025-61727; Go and rustls refuse it too).
 */
export function dnsMayCover(name: string, constraint: string): boolean {
  if (dnsWithin(name, constraint)) return true;
  if (!name.startsWith('*.')) return false;
  const base = name.slice(2).toLowerCase();
  const c = constraint.toLowerCase().replace(/^\./, '');
  return c.endsWith(`.${base}`) && c.split('.').length === base.split('.').length + 1;
}

/** rfc822Name constraint: a full address, a host (all mailboxes there), or .domain (any host below). */
export function emailWithin(email: string, constraint: string): boolean {
  const e = email.toLowerCase();
  const c = constraint.toLowerCase();
  if (c.includes('@')) return e === c;
  const host = e.slice(e.lastIndexOf('@') + 1);
  if (c.startsWith('.')) return host.endsWith(c);
  return host === c;
}

/** iPAddress constraint: address/mask bytes. */
export function ipWithin(address: Buffer, constraint: Buffer): boolean {
  const half = constraint.length / 2;
  if (address.length !== half) return false;
  for (let i = 0; i < half; i++)
    if ((address[i]! & constraint[half + i]!) !== (constraint[i]! & constraint[half + i]!)) return false;
  return true;
}

/** directoryName constraint: the constraint's RDNs are a prefix of the name's. */
export function dnWithin(nameCanonical: string, constraintCanonical: string): boolean {
  if (constraintCanonical === '') return true;
  const n = nameCanonical.split('/');
  const c = constraintCanonical.split('/');
  return c.length <= n.length && c.every((rdn, i) => rdn === n[i]);
}

/** URI constraint: applies to the URI's host, as a DNS constraint with a leading-dot rule. */
export function uriWithin(uri: string, constraint: string): boolean {
  let host: string;
  try {
    host = new URL(uri).hostname.toLowerCase();
  } catch {
    return false;
  }
  const c = constraint.toLowerCase();
  return c.startsWith('.') ? host.endsWith(c) : host === c;
}
