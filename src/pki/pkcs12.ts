/**
 * PKCS#12 (RFC 7292) bundles: a private key, its certificate and the CA chain in one password-protected
 * file. The default is what OpenSSL 3 writes; `legacy` is what old macOS, Windows Server 2016 and Java 8
 * import. Reading accepts both plus RC2-40 certificates and unencrypted bags.
 */
import { createHash, createPrivateKey, randomBytes, timingSafeEqual } from 'node:crypto';
import { MtlsError, badInput } from '../errors.js';
import {
  children,
  content,
  decodeOid,
  derBmpString,
  derExplicit,
  derImplicit,
  derNull,
  derOctetString,
  derOid,
  derSequence,
  derSet,
  derSmallInteger,
  readTlv,
  slice,
  DerError,
  type Tlv,
} from './der.js';
import {
  DIGESTS,
  OID,
  UnsupportedAlgorithmError,
  WrongPasswordError,
  bmpPassword,
  decryptWith,
  iterationCount,
  encryptLegacy3Des,
  encryptPbes2,
  hmac,
  macKey,
  pkcs12Password,
  type Encryption,
  type Pkcs12Password,
} from './pkcs12-crypto.js';
import { berToDer } from './pkcs12-ber.js';
import { keyMatchesPublicKey } from './keys.js';

/**
 * PBKDF2, PKCS#12-KDF and MAC iterations: 2048 is PKCS12_DEFAULT_ITER, what OpenSSL 3's
 * `openssl pkcs12 -export` uses for both the encryption and the MAC.
 */
export const PFX_ITERATIONS = 2048;

const P = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  /** Oracle's trustedKeyUsage bag attribute: Java lists a certificate bag carrying it as a trustedCertEntry. */
  javaTrustedKeyUsage: '2.16.840.1.113894.746875.1.1',
  anyExtendedKeyUsage: '2.5.29.37.0',
};

export const JAVA_TRUSTED_KEY_USAGE_OID = P.javaTrustedKeyUsage;
export const ANY_EXTENDED_KEY_USAGE_OID = P.anyExtendedKeyUsage;

/** How a bundle is protected: the cipher of the key bag and of the certificate safe, the MAC digest, the counts. */
export interface PfxProfile {
  keyCipher: PfxCipher;
  certCipher: PfxCipher;
  mac: 'sha1' | 'sha256';
  iterations: number;
  macIterations: number;
}

/** aes-256-cbc: PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC); 3des: pbeWithSHAAnd3-KeyTripleDES-CBC. */
export type PfxCipher = 'aes-256-cbc' | '3des';

/** What `openssl pkcs12 -export` writes in OpenSSL 3. */
export const MODERN_PROFILE: PfxProfile = {
  keyCipher: 'aes-256-cbc',
  certCipher: 'aes-256-cbc',
  mac: 'sha256',
  iterations: PFX_ITERATIONS,
  macIterations: PFX_ITERATIONS,
};

/** What `--legacy` has always written: 3DES for key and certificates, a SHA-1 MAC. */
export const LEGACY_PROFILE: PfxProfile = { ...MODERN_PROFILE, keyCipher: '3des', certCipher: '3des', mac: 'sha1' };

export interface PfxInput {
  keyPkcs8Der: Buffer;
  certificateDer: Buffer;
  chainDer: Buffer[];
  password: string;
  friendlyName?: string;
  legacy?: boolean;
  iterations?: number;
  /** Overrides `legacy` and `iterations` when given. */
  profile?: PfxProfile;
}

function attributes(localKeyId: Buffer | undefined, friendlyName: string | undefined, javaTrusted = false): Buffer[] {
  const attrs: Buffer[] = [];
  if (friendlyName) attrs.push(derSequence(derOid(P.friendlyName), derSet(derBmpString(friendlyName))));
  if (localKeyId) attrs.push(derSequence(derOid(P.localKeyId), derSet(derOctetString(localKeyId))));
  // As OpenSSL 3.2's `pkcs12 -jdktrust anyExtendedKeyUsage` writes it: SET { OID anyExtendedKeyUsage }.
  if (javaTrusted) attrs.push(derSequence(derOid(P.javaTrustedKeyUsage), derSet(derOid(P.anyExtendedKeyUsage))));
  return attrs.length ? [derSet(...attrs)] : [];
}

function certBag(certDer: Buffer, localKeyId?: Buffer, friendlyName?: string, javaTrusted = false): Buffer {
  const value = derSequence(derOid(P.x509Certificate), derExplicit(0, derOctetString(certDer)));
  return derSequence(derOid(P.certBag), derExplicit(0, value), ...attributes(localKeyId, friendlyName, javaTrusted));
}

const dataContentInfo = (der: Buffer) => derSequence(derOid(P.data), derExplicit(0, derOctetString(der)));

function encryptedContentInfo(enc: Encryption): Buffer {
  const encryptedContent = derImplicit(0, derOctetString(enc.ciphertext));
  return derSequence(
    derOid(P.encryptedData),
    derExplicit(
      0,
      derSequence(derSmallInteger(0), derSequence(derOid(P.data), enc.algorithmIdentifier, encryptedContent)),
    ),
  );
}

function profileOf(input: PfxInput): PfxProfile {
  if (input.profile) return input.profile;
  const iterations = input.iterations ?? PFX_ITERATIONS;
  return { ...(input.legacy ? LEGACY_PROFILE : MODERN_PROFILE), iterations, macIterations: iterations };
}

function checkCount(n: number): void {
  if (!Number.isSafeInteger(n) || n < 1)
    throw new RangeError(`PKCS#12 iterations must be a positive integer, not ${n}`);
}

function encryptWith(cipher: PfxCipher, plain: Buffer, password: string, iterations: number): Encryption {
  return cipher === '3des' ? encryptLegacy3Des(plain, password, iterations) : encryptPbes2(plain, password, iterations);
}

/** The AuthenticatedSafe wrapped in a PFX with its MAC (password integrity mode). */
function withMac(authSafe: Buffer, password: string, profile: PfxProfile): Buffer {
  const digest = profile.mac === 'sha1' ? { oid: OID.sha1, hash: 'sha1' } : { oid: OID.sha256, hash: 'sha256' };
  const salt = randomBytes(8);
  const key = macKey(digest.hash, bmpPassword(password), salt, profile.macIterations);
  const mac = hmac(digest.hash, key, authSafe);
  const macData = derSequence(
    derSequence(derSequence(derOid(digest.oid), derNull()), derOctetString(mac)),
    derOctetString(salt),
    derSmallInteger(profile.macIterations),
  );
  return derSequence(derSmallInteger(3), dataContentInfo(authSafe), macData);
}

export async function encodePfx(input: PfxInput): Promise<Buffer> {
  const profile = profileOf(input);
  checkCount(profile.iterations);
  checkCount(profile.macIterations);
  // localKeyId links the key to its certificate; OpenSSL uses the SHA-1 of the certificate.
  const localKeyId = createHash('sha1').update(input.certificateDer).digest();
  const certs = derSequence(
    certBag(input.certificateDer, localKeyId, input.friendlyName),
    ...input.chainDer.map((c) => certBag(c)),
  );
  const shrouded = encryptWith(profile.keyCipher, input.keyPkcs8Der, input.password, profile.iterations);
  const keyBag = derSequence(
    derOid(P.shroudedKeyBag),
    derExplicit(0, derSequence(shrouded.algorithmIdentifier, derOctetString(shrouded.ciphertext))),
    ...attributes(localKeyId, input.friendlyName),
  );
  const encryptedCerts = encryptWith(profile.certCipher, certs, input.password, profile.iterations);
  const authSafe = derSequence(encryptedContentInfo(encryptedCerts), dataContentInfo(derSequence(keyBag)));
  return withMac(authSafe, input.password, profile);
}

export interface TrustedCertificate {
  der: Buffer;
  /** The alias keytool shows (friendlyName). */
  alias: string;
}

/**
 * A PKCS#12 truststore: certificate bags only, each with a friendlyName and Java's trustedKeyUsage
 * attribute (anyExtendedKeyUsage), so keytool lists them as trustedCertEntry. No keys: the JDK
 * requires a store with this attribute to hold none.
 */
export function encodeTruststore(certs: TrustedCertificate[], password: string, profile = MODERN_PROFILE): Buffer {
  checkCount(profile.iterations);
  checkCount(profile.macIterations);
  const bags = derSequence(...certs.map((c) => certBag(c.der, undefined, c.alias, true)));
  const encrypted = encryptWith(profile.certCipher, bags, password, profile.iterations);
  return withMac(derSequence(encryptedContentInfo(encrypted)), password, profile);
}

export interface PfxContents {
  keyPkcs8Der: Buffer;
  certificateDer: Buffer;
  chainDer: Buffer[];
  friendlyName?: string;
  macAlgorithm: string;
  keyEncryption: string;
  certEncryption: string;
  /** Iteration counts as found: of the key's and the certificates' encryption (0 when not encrypted) and of the MAC. */
  keyIterations: number;
  certIterations: number;
  macIterations: number;
}

interface Bag {
  kind: 'key' | 'cert';
  der: Buffer;
  localKeyId?: string;
  friendlyName?: string;
  /** The OIDs of Java's trustedKeyUsage attribute, when the bag has one (keytool: trustedCertEntry). */
  javaTrustedUsages?: string[];
}

type Algorithms = Pick<
  PfxContents,
  'macAlgorithm' | 'keyEncryption' | 'certEncryption' | 'keyIterations' | 'certIterations' | 'macIterations'
>;

/** Every certificate of a bundle (a truststore has no key), with its attributes and how the bundle is protected. */
export interface PfxCertificates extends Algorithms {
  certificates: Array<{ der: Buffer; friendlyName?: string; javaTrustedUsages?: string[] }>;
  keys: number;
}

export async function decodePfxCertificates(
  data: Buffer,
  password: string,
  describe: string,
): Promise<PfxCertificates> {
  const { bags, algorithms } = await guarded(() => decodeBags(data, password, describe), describe);
  return certificatesOf(bags, algorithms);
}

/** A key bundle as decodePfx reads it, or, when the file holds no key, its certificates (a truststore). */
export async function decodePfxOrTruststore(
  data: Buffer,
  password: string,
  describe: string,
): Promise<{ bundle: PfxContents; truststore?: undefined } | { bundle?: undefined; truststore: PfxCertificates }> {
  return guarded(async () => {
    const { bags, algorithms } = await decodeBags(data, password, describe);
    if (!bags.some((b) => b.kind === 'key')) return { truststore: certificatesOf(bags, algorithms) };
    return { bundle: assemble(bags, describe, algorithms) };
  }, describe);
}

function certificatesOf(bags: Bag[], algorithms: Algorithms): PfxCertificates {
  return {
    certificates: bags
      .filter((b) => b.kind === 'cert')
      .map((b) => ({ der: b.der, friendlyName: b.friendlyName, javaTrustedUsages: b.javaTrustedUsages })),
    keys: bags.filter((b) => b.kind === 'key').length,
    ...algorithms,
  };
}

export async function decodePfx(data: Buffer, password: string, describe: string): Promise<PfxContents> {
  return guarded(async () => {
    const { bags, algorithms } = await decodeBags(data, password, describe);
    return assemble(bags, describe, algorithms);
  }, describe);
}

async function guarded<T>(fn: () => Promise<T>, describe: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof MtlsError) throw err;
    if (err instanceof WrongPasswordError) throw wrongPassword(describe);
    if (err instanceof UnsupportedAlgorithmError)
      throw badInput(`${describe} uses ${err.message}, which mtlskit cannot read; re-export it with AES or 3DES.`);
    throw badInput(
      `${describe} is not a readable PKCS#12 (.pfx/.p12) file; check that it is complete and really a PFX.`,
    );
  }
}

function wrongPassword(describe: string): MtlsError {
  return new MtlsError('BAD_PASSWORD', `The password for ${describe} is wrong; check it and try again.`);
}

interface DecodeState {
  password: Pkcs12Password;
  /** True once the MAC matched: from then on, a decryption failure means a damaged file, not a wrong password. */
  macVerified: boolean;
  bags: Bag[];
  keyEncryption: string;
  certEncryption: string;
  keyIterations: number;
  certIterations: number;
}

async function decodeBags(
  input: Buffer,
  password: string,
  describe: string,
): Promise<{ bags: Bag[]; algorithms: Algorithms }> {
  const data = berToDer(input);
  const top = readTlv(data, 0);
  if (top.tag !== 0x30) throw new DerError('not a SEQUENCE');
  const [version, authSafeInfo, macData] = children(data, top);
  if (!version || version.tag !== 0x02 || !authSafeInfo) throw new DerError('not a PFX');
  const [ctOid, ctContent] = children(data, authSafeInfo);
  if (decodeOid(content(data, ctOid!)) !== P.data) throw new UnsupportedAlgorithmError('public-key integrity mode');
  // The MAC covers the AuthenticatedSafe exactly as written, so it is checked before re-encoding.
  const authSafeOctets = Buffer.from(content(data, octetString(data, ctContent!)));
  const state: DecodeState = {
    password: pkcs12Password(password),
    macVerified: false,
    bags: [],
    keyEncryption: 'none',
    certEncryption: 'none',
    keyIterations: 0,
    certIterations: 0,
  };
  let macAlgorithm = 'none';
  let macIterations = 0;
  if (macData) {
    ({ name: macAlgorithm, iterations: macIterations } = checkMac(data, macData, authSafeOctets, state, describe));
    state.macVerified = true;
  }
  const authSafe = berToDer(authSafeOctets);
  for (const info of children(authSafe, readTlv(authSafe, 0))) await readContentInfo(authSafe, info, state);
  return {
    bags: state.bags,
    algorithms: {
      macAlgorithm,
      keyEncryption: state.keyEncryption,
      certEncryption: state.certEncryption,
      keyIterations: state.keyIterations,
      certIterations: state.certIterations,
      macIterations,
    },
  };
}

/** One ContentInfo of the AuthenticatedSafe: plain `data` or password-`encryptedData` SafeContents. */
async function readContentInfo(authSafe: Buffer, info: Tlv, state: DecodeState): Promise<void> {
  const [oidTlv, wrapped] = children(authSafe, info);
  const oid = decodeOid(content(authSafe, oidTlv!));
  if (oid === P.data) {
    await readSafeContents(Buffer.from(content(authSafe, octetString(authSafe, wrapped!))), state, 'none');
  } else if (oid === P.encryptedData) {
    const encData = readTlv(authSafe, wrapped!.start, wrapped!.end);
    const [, eci] = children(authSafe, encData);
    const [, alg, encrypted] = children(authSafe, eci!);
    if (!encrypted) return; // an EncryptedData with no content holds no bags
    const ciphertext =
      encrypted.tag === 0x80 ? Buffer.from(content(authSafe, encrypted)) : concatConstructed(authSafe, encrypted);
    const { plaintext, name, iterations } = await decryptWith(
      Buffer.from(slice(authSafe, alg!)),
      ciphertext,
      state.password,
    );
    state.certEncryption = name;
    state.certIterations = iterations;
    await readSafeContents(plaintext, state, name, true);
  } else throw new UnsupportedAlgorithmError(`content type ${oid}`);
}

/** The OCTET STRING inside an [0] EXPLICIT wrapper (already normalised from BER, so primitive). */
function octetString(buf: Buffer, wrapper: Tlv): Tlv {
  const inner = readTlv(buf, wrapper.start, wrapper.end);
  if (inner.tag !== 0x04) throw new DerError('expected an OCTET STRING');
  return inner;
}

/** BER bundles from some tools split the encrypted content into constructed OCTET STRING chunks. */
function concatConstructed(buf: Buffer, t: Tlv): Buffer {
  return Buffer.concat(children(buf, t).map((c) => Buffer.from(content(buf, c))));
}

function checkMac(
  buf: Buffer,
  macData: Tlv,
  authSafe: Buffer,
  state: DecodeState,
  describe: string,
): { name: string; iterations: number } {
  const [digestInfo, saltTlv, iterTlv] = children(buf, macData);
  const [algId, digestTlv] = children(buf, digestInfo!);
  const digestOid = decodeOid(content(buf, children(buf, algId!)[0]!));
  const digest = DIGESTS[digestOid];
  if (!digest) throw new UnsupportedAlgorithmError(`MAC digest ${digestOid}`);
  const salt = Buffer.from(content(buf, saltTlv!));
  const iterations = iterTlv ? iterationCount(content(buf, iterTlv)) : 1;
  const expected = Buffer.from(content(buf, digestTlv!));
  const matches = (bmp: Buffer) => {
    const actual = hmac(digest.hash, macKey(digest.hash, bmp, salt, iterations), authSafe);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  };
  if (matches(state.password.bmp)) return { name: `HMAC-${digest.name}`, iterations };
  // An empty password may have been written as no bytes at all (a NULL password, as Windows and
  // OpenSSL's PKCS12_create(NULL) do); `openssl pkcs12` tries that form too.
  if (state.password.text === '' && matches(Buffer.alloc(0))) {
    state.password = { text: '', bmp: Buffer.alloc(0) };
    return { name: `HMAC-${digest.name}`, iterations };
  }
  throw wrongPassword(describe);
}

/**
 * Collects the key and certificate bags of one SafeContents. `safeEncryption` names how the safe
 * itself was protected (a plain keyBag inside an encrypted safe is as protected as the safe).
 */
async function readSafeContents(
  raw: Buffer,
  state: DecodeState,
  safeEncryption: string,
  decrypted = false,
): Promise<void> {
  let der: Buffer;
  let bags: Tlv[];
  try {
    der = berToDer(raw);
    bags = children(der, readTlv(der, 0));
  } catch (err) {
    // Padding that happened to check out under a wrong password leaves garbage; without a MAC that
    // is the likeliest reason.
    if (decrypted && !state.macVerified) throw new WrongPasswordError();
    throw err;
  }
  for (const bag of bags) {
    const [oidTlv, valueWrap, attrs] = children(der, bag);
    const oid = decodeOid(content(der, oidTlv!));
    const value = readTlv(der, valueWrap!.start, valueWrap!.end);
    const meta = readAttributes(der, attrs);
    if (oid === P.certBag) {
      const [certType, certWrap] = children(der, value);
      if (decodeOid(content(der, certType!)) !== P.x509Certificate) continue; // SDSI certificates: nothing to use
      state.bags.push({ kind: 'cert', der: Buffer.from(content(der, octetString(der, certWrap!))), ...meta });
    } else if (oid === P.keyBag) {
      state.bags.push({ kind: 'key', der: Buffer.from(slice(der, value)), ...meta });
      state.keyEncryption = safeEncryption;
      state.keyIterations = safeEncryption === 'none' ? 0 : state.certIterations;
    } else if (oid === P.shroudedKeyBag) {
      const [alg, encrypted] = children(der, value);
      const { plaintext, name, iterations } = await decryptWith(
        Buffer.from(slice(der, alg!)),
        Buffer.from(content(der, encrypted!)),
        state.password,
      );
      if (!state.macVerified && !isOneSequence(plaintext)) throw new WrongPasswordError();
      state.bags.push({ kind: 'key', der: plaintext, ...meta });
      state.keyEncryption = name;
      state.keyIterations = iterations;
    }
    // CRL, secret and nested safe bags carry nothing a TLS client needs.
  }
}

/** A decrypted PKCS#8 key is exactly one SEQUENCE; garbage from a wrong password almost never is. */
function isOneSequence(der: Buffer): boolean {
  try {
    const t = readTlv(der, 0);
    return t.tag === 0x30 && t.end === der.length;
  } catch {
    return false;
  }
}

function readAttributes(
  der: Buffer,
  attrs: Tlv | undefined,
): { localKeyId?: string; friendlyName?: string; javaTrustedUsages?: string[] } {
  const out: { localKeyId?: string; friendlyName?: string; javaTrustedUsages?: string[] } = {};
  if (!attrs) return out;
  for (const attr of children(der, attrs)) {
    const [oidTlv, values] = children(der, attr);
    const oid = decodeOid(content(der, oidTlv!));
    const first = values ? children(der, values)[0] : undefined;
    if (!first) continue;
    if (oid === P.localKeyId) out.localKeyId = content(der, first).toString('hex');
    if (oid === P.javaTrustedKeyUsage)
      out.javaTrustedUsages = children(der, values!)
        .filter((v) => v.tag === 0x06)
        .map((v) => decodeOid(content(der, v)));
    if (oid === P.friendlyName && first.tag === 0x1e)
      out.friendlyName = Buffer.from(content(der, first)).swap16().toString('utf16le');
  }
  return out;
}

function assemble(bags: Bag[], describe: string, algs: Algorithms): PfxContents {
  const key = bags.find((b) => b.kind === 'key');
  if (!key) throw badInput(`${describe} holds no private key; a client bundle needs the key and its certificate.`);
  const certs = bags.filter((b) => b.kind === 'cert');
  const keyObject = createPrivateKey({ key: key.der, format: 'der', type: 'pkcs8' });
  const leaf =
    certs.find((c) => key.localKeyId !== undefined && c.localKeyId === key.localKeyId) ??
    certs.find((c) => keyMatchesPublicKey(keyObject, spkiOf(c.der)));
  if (!leaf) throw badInput(`${describe} has no certificate for its private key; ask for a bundle with both.`);
  const others = certs.filter((c) => c !== leaf).map((c) => c.der);
  return {
    keyPkcs8Der: key.der,
    certificateDer: leaf.der,
    chainDer: orderChain(leaf.der, others),
    friendlyName: key.friendlyName ?? leaf.friendlyName,
    ...algs,
  };
}

function tbsFields(certDer: Buffer): Tlv[] {
  const cert = readTlv(certDer, 0);
  const fields = children(certDer, children(certDer, cert)[0]!);
  return fields[0]!.tag === 0xa0 ? fields.slice(1) : fields;
}

function spkiOf(certDer: Buffer): Buffer {
  return Buffer.from(slice(certDer, tbsFields(certDer)[5]!));
}

/** Issuer first: follow issuer → subject names from the leaf; whatever is left goes last. */
function orderChain(leafDer: Buffer, others: Buffer[]): Buffer[] {
  const name = (der: Buffer, index: number) => slice(der, tbsFields(der)[index]!).toString('hex');
  const ordered: Buffer[] = [];
  const rest = [...others];
  let current = leafDer;
  for (;;) {
    const issuer = name(current, 2);
    if (issuer === name(current, 4)) break;
    const i = rest.findIndex((c) => name(c, 4) === issuer);
    if (i < 0) break;
    current = rest.splice(i, 1)[0]!;
    ordered.push(current);
  }
  return [...ordered, ...rest];
}
