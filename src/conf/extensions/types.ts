import type { KeyObject } from 'node:crypto';
import type { MtlsError } from '../../errors.js';
import type { Issuer } from '../../pki/certificate.js';
import type { ConfEntry, OpensslConf } from '../parse.js';

export interface ExtensionContext {
  /** The certificate's (or CSR's) own key, for subjectKeyIdentifier = hash. */
  subjectKey?: KeyObject;
  /** The signer; undefined (or one without a certificate) = self-signed, the subject's own key signs. */
  issuer?: Issuer;
  /**
   * Building a certificate request (openssl req -new): there is no issuer at all, so
   * authorityKeyIdentifier is left out with a warning.
   */
  request?: boolean;
}

/** What a translator sees: the conf, the line it came from, and a way to fail with file:line. */
export interface TranslateContext extends ExtensionContext {
  conf: OpensslConf;
  entry: ConfEntry;
  warnings: string[];
  error(message: string): MtlsError;
  /** The same context, reporting errors at another entry (for @section items). */
  at(entry: ConfEntry): TranslateContext;
}

export interface TranslatedExtension {
  oid: string;
  /** The extnValue contents (DER). */
  value: Buffer;
}

/** One conf keyword to one extension; returns undefined to leave it out (e.g. subjectKeyIdentifier = none). */
export type Translator = (value: string, ctx: TranslateContext) => TranslatedExtension | undefined;
