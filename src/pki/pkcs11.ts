/**
 * Keys in PKCS#11 tokens (HSMs, smart cards, SoftHSM) through the optional native binding pkcs11js,
 * loaded only when a pkcs11: key is used. A token key becomes a Signer (signer.ts): the private key
 * never leaves the token, signatures are made by C_Sign (CKM_SHA*_RSA_PKCS, CKM_SHA*_RSA_PKCS_PSS, or
 * CKM_ECDSA over a hash computed here, its raw r||s turned into DER).
 *
 * Lock-out safety: each token is logged into at most once per process, and a failed login is never
 * retried (the PIN provider is asked once); a wrong PIN ends the command before anything is written.
 */
import { createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { MtlsError, badInput, usageError } from '../errors.js';
import { derBitString, derOid, derSequence, derTlv, readTlv, content } from './der.js';
import { describeKey, type KeyType } from './keys.js';
import {
  algorithmIdentifierForScheme,
  attachSigner,
  digest,
  ecdsaRawToDer,
  signerHashFor,
  pssSaltLength,
  type Signer,
} from './signer.js';
import { formatPkcs11Uri, type Pkcs11Uri } from './pkcs11-uri.js';

type Binding = typeof import('pkcs11js');
type Lib = InstanceType<Binding['PKCS11']>;
type Handle = Buffer;

/** Asks for the token's user PIN once; `describe` names the token. */
export type PinProvider = (describe: string) => Promise<string>;

const CURVES: Record<string, { oid: string; bytes: number }> = {
  'P-256': { oid: '1.2.840.10045.3.1.7', bytes: 32 },
  'P-384': { oid: '1.3.132.0.34', bytes: 48 },
  'P-521': { oid: '1.3.132.0.35', bytes: 66 },
};
const EC_PUBLIC_KEY = '1.2.840.10045.2.1';

let bindingPromise: Promise<Binding> | undefined;

/** The pkcs11js binding, or one sentence saying what to install. */
export function loadPkcs11Binding(): Promise<Binding> {
  bindingPromise ??= import('pkcs11js').then(
    (m) => ((m as { default?: Binding }).default ?? m) as Binding,
    (err: Error) => {
      bindingPromise = undefined;
      throw new MtlsError(
        'NOT_FOUND',
        `PKCS#11 support is not installed (the optional package pkcs11js did not load: ${err.message.split('\n')[0]}); install a C++ compiler, make and python3 (Debian: apt-get install g++ make python3) and run 'npm install pkcs11js' where mtlskit is installed.`,
      );
    },
  );
  return bindingPromise;
}

interface OpenModule {
  p11: Binding;
  lib: Lib;
  path: string;
}

const modules = new Map<string, OpenModule>();

/** Loads and initialises a PKCS#11 module once per process; C_Finalize runs at exit. */
export async function openModule(path: string): Promise<OpenModule> {
  const known = modules.get(path);
  if (known) return known;
  if (!existsSync(path))
    throw new MtlsError(
      'NOT_FOUND',
      `The PKCS#11 module ${path} does not exist; install it (SoftHSM2: /usr/lib/softhsm/libsofthsm2.so) or give the right path with --pkcs11-module or PKCS11_MODULE.`,
    );
  const p11 = await loadPkcs11Binding();
  const lib = new p11.PKCS11();
  try {
    lib.load(path);
    lib.C_Initialize();
  } catch (err) {
    throw badInput(
      `${path} could not be loaded as a PKCS#11 module (${describeError(err)}); give the path of the token's PKCS#11 library (.so, .dylib or .dll).`,
    );
  }
  const open: OpenModule = { p11, lib, path };
  modules.set(path, open);
  if (modules.size === 1) process.once('exit', finalizeAll);
  return open;
}

function finalizeAll(): void {
  for (const m of modules.values()) {
    try {
      m.lib.C_Finalize();
      m.lib.close();
    } catch {
      // the process is ending; nothing to report
    }
  }
  modules.clear();
  sessions.clear();
}

function describeError(err: unknown): string {
  return (err as Error).message?.split('\n')[0] ?? String(err);
}

function errorName(err: unknown): string {
  return /CKR_[A-Z_]+/.exec((err as Error)?.message ?? '')?.[0] ?? '';
}

const trim = (s: string) => s.replace(/[\s\0]+$/, '');

export interface TokenView {
  slotId: number;
  label: string;
  manufacturer: string;
  model: string;
  serial: string;
  /** Token state worth knowing before logging in. */
  flags: string[];
}

function tokenFlags(p11: Binding, flags: number): string[] {
  const named: [number, string][] = [
    [p11.CKF_TOKEN_INITIALIZED, 'initialized'],
    [p11.CKF_LOGIN_REQUIRED, 'login-required'],
    [p11.CKF_WRITE_PROTECTED, 'write-protected'],
    [p11.CKF_USER_PIN_COUNT_LOW, 'user-pin-count-low'],
    [p11.CKF_USER_PIN_FINAL_TRY, 'user-pin-final-try'],
    [p11.CKF_USER_PIN_LOCKED, 'user-pin-locked'],
    [p11.CKF_USER_PIN_TO_BE_CHANGED, 'user-pin-to-be-changed'],
  ];
  return named.filter(([bit]) => (flags & bit) !== 0).map(([, name]) => name);
}

function slotNumber(slot: Handle): number {
  return Number(slot.length >= 8 ? slot.readBigUInt64LE(0) : slot.readUInt32LE(0));
}

/** The tokens present in the module's slots. */
export function listTokens(m: OpenModule): { slot: Handle; view: TokenView }[] {
  return m.lib.C_GetSlotList(true).map((slot) => {
    const info = m.lib.C_GetTokenInfo(slot);
    return {
      slot,
      view: {
        slotId: slotNumber(slot),
        label: trim(info.label),
        manufacturer: trim(info.manufacturerID),
        model: trim(info.model),
        serial: trim(info.serialNumber),
        flags: tokenFlags(m.p11, info.flags),
      },
    };
  });
}

function tokenListText(tokens: TokenView[]): string {
  if (tokens.length === 0) return 'there is no initialised token in it';
  return `the tokens there are ${tokens.map((t) => `'${t.label}' (serial ${t.serial}, slot ${t.slotId})`).join(', ')}`;
}

/** The one token the URI's token/manufacturer/serial/model/slot-id attributes select. */
export function findToken(m: OpenModule, uri: Pkcs11Uri): { slot: Handle; view: TokenView } {
  const all = listTokens(m).filter((t) => t.view.flags.includes('initialized'));
  const matching = all.filter(
    ({ view }) =>
      (uri.token === undefined || view.label === uri.token) &&
      (uri.manufacturer === undefined || view.manufacturer === uri.manufacturer) &&
      (uri.serial === undefined || view.serial === uri.serial) &&
      (uri.model === undefined || view.model === uri.model) &&
      (uri.slotId === undefined || view.slotId === uri.slotId),
  );
  if (matching.length === 0)
    throw new MtlsError(
      'NOT_FOUND',
      `No token in ${m.path} matches ${uri.text}; ${tokenListText(all.map((t) => t.view))}. Fix token= in the URI (or create the token, e.g. softhsm2-util --init-token).`,
    );
  if (matching.length > 1)
    throw usageError(
      `${uri.text} matches ${matching.length} tokens in ${m.path} (${tokenListText(matching.map((t) => t.view)).replace(/^the tokens there are /, '')}); add serial= or slot-id= to the URI.`,
    );
  return matching[0]!;
}

interface TokenSession {
  m: OpenModule;
  slot: Handle;
  handle: Handle;
  token: TokenView;
  loggedIn: boolean;
  /** Set when a login failed: the command must not try again. */
  failed?: MtlsError;
}

const sessions = new Map<string, TokenSession>();

/** One read-write session per token per process, shared by every key on it. */
export function openSession(m: OpenModule, slot: Handle, token: TokenView): TokenSession {
  const key = `${m.path}\0${token.serial}\0${token.slotId}`;
  let s = sessions.get(key);
  if (!s) {
    try {
      const handle = m.lib.C_OpenSession(slot, m.p11.CKF_SERIAL_SESSION | m.p11.CKF_RW_SESSION);
      s = { m, slot, handle, token, loggedIn: false };
    } catch (err) {
      throw badInput(`Could not open a session with token '${token.label}' (${describeError(err)}).`);
    }
    sessions.set(key, s);
  }
  return s;
}

/**
 * Logs in as the user, once: the PIN is asked for once, a wrong PIN is reported and never retried
 * in this process (each failure counts towards the token's lock-out).
 */
export async function login(s: TokenSession, pin: PinProvider): Promise<void> {
  if (s.loggedIn) return;
  if (s.failed) throw s.failed;
  const { p11, lib } = s.m;
  const describe = `token '${s.token.label}'`;
  const flags = lib.C_GetTokenInfo(s.slot).flags;
  if (flags & p11.CKF_USER_PIN_LOCKED) {
    s.failed = new MtlsError(
      'BAD_PASSWORD',
      `The user PIN of ${describe} is locked after too many wrong PINs; unlock it with the security officer PIN (e.g. pkcs11-tool --init-pin --login --login-type so) and try again.`,
    );
    throw s.failed;
  }
  const value = await pin(`PIN for ${describe}`);
  try {
    lib.C_Login(s.handle, p11.CKU_USER, value);
    s.loggedIn = true;
  } catch (err) {
    const name = errorName(err);
    if (name === 'CKR_USER_ALREADY_LOGGED_IN') {
      s.loggedIn = true;
      return;
    }
    const after = lib.C_GetTokenInfo(s.slot).flags;
    const warning =
      after & p11.CKF_USER_PIN_LOCKED
        ? ' The PIN is now locked; unlock it with the security officer PIN.'
        : after & p11.CKF_USER_PIN_FINAL_TRY
          ? ' One more wrong PIN locks the token: check the PIN before trying again.'
          : after & p11.CKF_USER_PIN_COUNT_LOW
            ? ' The token has counted several wrong PINs: check the PIN before trying again.'
            : '';
    s.failed =
      name === 'CKR_PIN_INCORRECT' || name === 'CKR_PIN_LEN_RANGE' || name === 'CKR_PIN_INVALID'
        ? new MtlsError(
            'BAD_PASSWORD',
            `The PIN for ${describe} is wrong; nothing was written. Check the --pin source.${warning}`,
          )
        : name === 'CKR_PIN_LOCKED'
          ? new MtlsError(
              'BAD_PASSWORD',
              `The user PIN of ${describe} is locked after too many wrong PINs; unlock it with the security officer PIN and try again.`,
            )
          : badInput(`Logging in to ${describe} failed (${describeError(err)}); check the token and its PIN.`);
    throw s.failed;
  }
}

function findObjects(
  s: TokenSession,
  template: { type: number; value?: number | boolean | string | Buffer }[],
): Handle[] {
  const { lib } = s.m;
  lib.C_FindObjectsInit(s.handle, template);
  try {
    const found: Handle[] = [];
    for (;;) {
      const batch = lib.C_FindObjects(s.handle, 64);
      if (batch.length === 0) break;
      found.push(...batch);
    }
    return found;
  } finally {
    lib.C_FindObjectsFinal(s.handle);
  }
}

function attribute(s: TokenSession, object: Handle, type: number): Buffer | undefined {
  try {
    return s.m.lib.C_GetAttributeValue(s.handle, object, [{ type }])[0]?.value;
  } catch {
    return undefined;
  }
}

const bool = (b: Buffer | undefined) => (b === undefined ? undefined : b.length > 0 && b[0] !== 0);
const ulong = (b: Buffer | undefined) =>
  b === undefined ? undefined : Number(b.length >= 8 ? b.readBigUInt64LE(0) : b.readUInt32LE(0));

export interface KeyObjectView {
  class: 'private' | 'public';
  label: string;
  /** CKA_ID in hex. */
  id: string;
  /** 'RSA 2048', 'EC P-256', or the key type number. */
  type: string;
  flags: string[];
  uri: string;
}

function curveOf(ecParams: Buffer | undefined): string | undefined {
  if (!ecParams) return undefined;
  return Object.keys(CURVES).find((c) => derOid(CURVES[c]!.oid).equals(ecParams));
}

/** Label, id, type, size and flags of the RSA and EC key objects visible in the session (never key material). */
export function listKeyObjects(s: TokenSession): KeyObjectView[] {
  const { p11 } = s.m;
  const views: KeyObjectView[] = [];
  for (const [cls, name] of [
    [p11.CKO_PRIVATE_KEY, 'private'],
    [p11.CKO_PUBLIC_KEY, 'public'],
  ] as const) {
    for (const h of findObjects(s, [{ type: p11.CKA_CLASS, value: cls }])) {
      const label = attribute(s, h, p11.CKA_LABEL)?.toString('utf8') ?? '';
      const id = attribute(s, h, p11.CKA_ID) ?? Buffer.alloc(0);
      const keyType = ulong(attribute(s, h, p11.CKA_KEY_TYPE));
      let type = `key type ${keyType}`;
      if (keyType === p11.CKK_RSA) {
        const modulus = attribute(s, h, p11.CKA_MODULUS);
        const bits = modulus ? modulusBits(modulus) : ulong(attribute(s, h, p11.CKA_MODULUS_BITS));
        type = `RSA ${bits ?? '?'}`;
      } else if (keyType === p11.CKK_EC) type = `EC ${curveOf(attribute(s, h, p11.CKA_EC_PARAMS)) ?? '(other curve)'}`;
      const flagNames: [number, string][] =
        name === 'private'
          ? [
              [p11.CKA_TOKEN, 'token'],
              [p11.CKA_PRIVATE, 'private'],
              [p11.CKA_SENSITIVE, 'sensitive'],
              [p11.CKA_ALWAYS_SENSITIVE, 'always-sensitive'],
              [p11.CKA_EXTRACTABLE, 'extractable'],
              [p11.CKA_NEVER_EXTRACTABLE, 'never-extractable'],
              [p11.CKA_SIGN, 'sign'],
            ]
          : [
              [p11.CKA_TOKEN, 'token'],
              [p11.CKA_VERIFY, 'verify'],
            ];
      const flags = flagNames.filter(([t]) => bool(attribute(s, h, t)) === true).map(([, f]) => f);
      views.push({
        class: name,
        label,
        id: id.toString('hex'),
        type,
        flags,
        uri: formatPkcs11Uri({
          token: s.token.label,
          object: label || undefined,
          id: id.length ? id : undefined,
        }),
      });
    }
  }
  return views;
}

function modulusBits(modulus: Buffer): number {
  let i = 0;
  while (i < modulus.length && modulus[i] === 0) i++;
  return modulus.length - i === 0 ? 0 : (modulus.length - i - 1) * 8 + (32 - Math.clz32(modulus[i]!));
}

function keyTemplate(uri: Pkcs11Uri, cls: number, p11: Binding) {
  return [
    { type: p11.CKA_CLASS, value: cls },
    ...(uri.object !== undefined ? [{ type: p11.CKA_LABEL, value: uri.object }] : []),
    ...(uri.id !== undefined ? [{ type: p11.CKA_ID, value: uri.id }] : []),
  ];
}

/** The public key of a token key pair as a KeyObject: from its public object, or the RSA private key's attributes. */
function publicKeyOf(s: TokenSession, priv: Handle, uri: Pkcs11Uri): KeyObject | undefined {
  const { p11 } = s.m;
  const id = attribute(s, priv, p11.CKA_ID);
  const label = attribute(s, priv, p11.CKA_LABEL)?.toString('utf8');
  const publicTemplate =
    id && id.length > 0
      ? [
          { type: p11.CKA_CLASS, value: p11.CKO_PUBLIC_KEY },
          { type: p11.CKA_ID, value: id },
        ]
      : keyTemplate({ ...uri, object: uri.object ?? label }, p11.CKO_PUBLIC_KEY, p11);
  const candidates = [...findObjects(s, publicTemplate), priv];
  for (const h of candidates) {
    const keyType = ulong(attribute(s, h, p11.CKA_KEY_TYPE));
    if (keyType === p11.CKK_RSA) {
      const n = attribute(s, h, p11.CKA_MODULUS);
      const e = attribute(s, h, p11.CKA_PUBLIC_EXPONENT);
      if (n && e && n.length > 0 && e.length > 0)
        return createPublicKey({
          key: { kty: 'RSA', n: n.toString('base64url'), e: e.toString('base64url') },
          format: 'jwk',
        });
    } else if (keyType === p11.CKK_EC) {
      const params = attribute(s, h, p11.CKA_EC_PARAMS);
      const point = attribute(s, h, p11.CKA_EC_POINT);
      if (params && point && point.length > 0) {
        const raw = unwrapEcPoint(point);
        const spki = derSequence(derSequence(derOid(EC_PUBLIC_KEY), params), derBitString(raw));
        try {
          return createPublicKey({ key: spki, format: 'der', type: 'spki' });
        } catch {
          // not a curve node:crypto knows
        }
      }
    }
  }
  return undefined;
}

/** CKA_EC_POINT is a DER OCTET STRING around the point (some tokens give the bare point). */
function unwrapEcPoint(point: Buffer): Buffer {
  if (point[0] !== 0x04) return point;
  try {
    const tlv = readTlv(point, 0);
    if (tlv.end === point.length && point[tlv.start] === 0x04) return content(point, tlv);
  } catch {
    // not DER: the bare point
  }
  return point;
}

export interface TokenKey {
  signer: Signer;
  /** The key's public KeyObject, with `signer` attached: use it as a CA's key. */
  publicKey: KeyObject;
  token: TokenView;
  /** token, object and id: what mtlskit.json records. */
  uri: string;
}

export interface TokenKeyRequest {
  modulePath: string;
  uri: Pkcs11Uri;
  pin: PinProvider;
  pss?: boolean;
}

/** Opens the token, logs in once and returns a Signer for the private key the URI names. */
export async function openTokenKey(req: TokenKeyRequest): Promise<TokenKey> {
  if (req.uri.object === undefined && req.uri.id === undefined)
    throw usageError(`${req.uri.text} names no key; add object=LABEL or id=%XX to the URI.`);
  const m = await openModule(req.modulePath);
  const { slot, view } = findToken(m, req.uri);
  const s = openSession(m, slot, view);
  await login(s, req.pin);
  const { p11 } = m;
  const found = findObjects(s, keyTemplate(req.uri, p11.CKO_PRIVATE_KEY, p11));
  if (found.length === 0) {
    const labels = listKeyObjects(s)
      .filter((k) => k.class === 'private')
      .map((k) => `'${k.label}' (id ${k.id || 'none'}, ${k.type})`);
    throw new MtlsError(
      'NOT_FOUND',
      `Token '${view.label}' has no private key matching ${req.uri.text}; ${labels.length ? `its private keys are ${labels.join(', ')}` : 'it holds no private key'}.`,
    );
  }
  if (found.length > 1)
    throw usageError(
      `${found.length} private keys in token '${view.label}' match ${req.uri.text}; add id= to the URI to pick one.`,
    );
  return tokenKeyFor(s, found[0]!, req.uri, req.pss === true);
}

function tokenKeyFor(s: TokenSession, priv: Handle, uri: Pkcs11Uri, pss: boolean): TokenKey {
  const { p11 } = s.m;
  const publicKey = publicKeyOf(s, priv, uri);
  const label = attribute(s, priv, p11.CKA_LABEL)?.toString('utf8');
  const id = attribute(s, priv, p11.CKA_ID);
  const recorded = formatPkcs11Uri({
    token: s.token.label,
    object: label || uri.object,
    id: id && id.length ? id : uri.id,
  });
  if (!publicKey)
    throw badInput(
      `Token '${s.token.label}' has no public key for ${recorded}; import the public key with the same id (e.g. pkcs11-tool --write-object key.pub --type pubkey --id ..).`,
    );
  const signer = tokenSigner(s, priv, publicKey, recorded, pss);
  attachSigner(publicKey, signer);
  return { signer, publicKey, token: s.token, uri: recorded };
}

function tokenSigner(s: TokenSession, priv: Handle, publicKey: KeyObject, describe: string, pss: boolean): Signer {
  const { p11, lib } = s.m;
  const d = describeKey(publicKey);
  const hash = signerHashFor(publicKey);
  const algorithmIdentifier = algorithmIdentifierForScheme(publicKey, pss);
  const signatureBytes = d.algorithm === 'ec' ? 2 * CURVES[d.curve!]!.bytes : Math.ceil(d.bits / 8);
  const hashMechanism = { sha256: p11.CKM_SHA256, sha384: p11.CKM_SHA384, sha512: p11.CKM_SHA512 }[hash];
  let mechanism: import('pkcs11js').Mechanism;
  let scheme: Signer['scheme'];
  if (d.algorithm === 'ec') {
    mechanism = { mechanism: p11.CKM_ECDSA };
    scheme = 'ecdsa';
  } else if (pss) {
    const mgf = { sha256: p11.CKG_MGF1_SHA256, sha384: p11.CKG_MGF1_SHA384, sha512: p11.CKG_MGF1_SHA512 }[hash];
    const m = {
      sha256: p11.CKM_SHA256_RSA_PKCS_PSS,
      sha384: p11.CKM_SHA384_RSA_PKCS_PSS,
      sha512: p11.CKM_SHA512_RSA_PKCS_PSS,
    }[hash];
    mechanism = {
      mechanism: m,
      parameter: {
        hashAlg: hashMechanism,
        mgf,
        saltLen: pssSaltLength(hash),
        type: p11.CK_PARAMS_RSA_PSS,
      } as import('pkcs11js').RsaPSS,
    };
    scheme = 'rsa-pss';
  } else {
    mechanism = {
      mechanism: { sha256: p11.CKM_SHA256_RSA_PKCS, sha384: p11.CKM_SHA384_RSA_PKCS, sha512: p11.CKM_SHA512_RSA_PKCS }[
        hash
      ],
    };
    scheme = 'rsa';
  }
  const out = Buffer.alloc(signatureBytes + 16);
  return {
    algorithmIdentifier,
    hash,
    scheme,
    publicKey,
    describe,
    sign(tbs) {
      const input = scheme === 'ecdsa' ? digest(hash, tbs) : Buffer.from(tbs.buffer, tbs.byteOffset, tbs.byteLength);
      try {
        lib.C_SignInit(s.handle, mechanism, priv);
        const sig = Buffer.from(lib.C_Sign(s.handle, input, out));
        return scheme === 'ecdsa' ? ecdsaRawToDer(sig) : sig;
      } catch (err) {
        const name = errorName(err);
        if (name === 'CKR_MECHANISM_INVALID' || name === 'CKR_MECHANISM_PARAM_INVALID')
          throw badInput(
            `Token '${s.token.label}' cannot sign with ${scheme === 'ecdsa' ? 'CKM_ECDSA' : scheme === 'rsa-pss' ? `RSA-PSS/${hash}` : `RSA PKCS#1 v1.5/${hash}`}; use a key type or signature scheme the token supports.`,
          );
        if (name === 'CKR_KEY_FUNCTION_NOT_PERMITTED')
          throw badInput(`The key ${describe} may not sign (CKA_SIGN is false); use a key made for signing.`);
        throw badInput(`Token '${s.token.label}' failed to sign with ${describe} (${describeError(err)}).`);
      }
    },
  };
}

/** Where a new token key goes and what it is. */
export interface NewTokenKeyRequest extends TokenKeyRequest {
  keyType: KeyType;
}

async function sessionFor(req: TokenKeyRequest): Promise<TokenSession> {
  if (req.uri.object === undefined)
    throw usageError(
      `${req.uri.text} has no object=LABEL; name the new key, e.g. pkcs11:token=${req.uri.token ?? 'LABEL'};object=ca-key.`,
    );
  const m = await openModule(req.modulePath);
  const { slot, view } = findToken(m, req.uri);
  const s = openSession(m, slot, view);
  await login(s, req.pin);
  const clash = findObjects(s, keyTemplate({ ...req.uri, id: undefined }, s.m.p11.CKO_PRIVATE_KEY, s.m.p11));
  if (clash.length > 0)
    throw new MtlsError(
      'FILE_EXISTS',
      `Token '${view.label}' already holds a private key labelled '${req.uri.object}'; use it with --pkcs11-existing, or choose another object= label.`,
    );
  return s;
}

function privateTemplate(p11: Binding, label: string, id: Buffer) {
  return [
    { type: p11.CKA_TOKEN, value: true },
    { type: p11.CKA_PRIVATE, value: true },
    { type: p11.CKA_SENSITIVE, value: true },
    { type: p11.CKA_EXTRACTABLE, value: false },
    { type: p11.CKA_SIGN, value: true },
    // A CA key signs and does nothing else.
    { type: p11.CKA_DECRYPT, value: false },
    { type: p11.CKA_UNWRAP, value: false },
    { type: p11.CKA_DERIVE, value: false },
    { type: p11.CKA_LABEL, value: label },
    { type: p11.CKA_ID, value: id },
  ];
}

function publicTemplate(p11: Binding, label: string, id: Buffer) {
  return [
    { type: p11.CKA_TOKEN, value: true },
    { type: p11.CKA_PRIVATE, value: false },
    { type: p11.CKA_VERIFY, value: true },
    { type: p11.CKA_ENCRYPT, value: false },
    { type: p11.CKA_WRAP, value: false },
    { type: p11.CKA_LABEL, value: label },
    { type: p11.CKA_ID, value: id },
  ];
}

/** Generates a key pair inside the token: sensitive, never extractable, for signing. */
export async function generateTokenKey(req: NewTokenKeyRequest): Promise<TokenKey> {
  const s = await sessionFor(req);
  const { p11, lib } = s.m;
  const label = req.uri.object!;
  const id = req.uri.id ?? randomBytes(8);
  let pair: { privateKey: Handle; publicKey: Handle };
  try {
    if (req.keyType.startsWith('rsa:')) {
      pair = lib.C_GenerateKeyPair(
        s.handle,
        { mechanism: p11.CKM_RSA_PKCS_KEY_PAIR_GEN },
        [
          ...publicTemplate(p11, label, id),
          { type: p11.CKA_MODULUS_BITS, value: Number(req.keyType.slice(4)) },
          { type: p11.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
        ],
        privateTemplate(p11, label, id),
      );
    } else {
      const curve = CURVES[req.keyType.slice(3)]!;
      pair = lib.C_GenerateKeyPair(
        s.handle,
        { mechanism: p11.CKM_EC_KEY_PAIR_GEN },
        [...publicTemplate(p11, label, id), { type: p11.CKA_EC_PARAMS, value: derOid(curve.oid) }],
        privateTemplate(p11, label, id),
      );
    }
  } catch (err) {
    throw badInput(
      `Token '${s.token.label}' could not generate a ${req.keyType} key pair (${describeError(err)}); choose a key type the token supports.`,
    );
  }
  return tokenKeyFor(s, pair.privateKey, { ...req.uri, id }, req.pss === true);
}

/**
 * Imports a private key (from a key file) into the token as sensitive and non-extractable, with its
 * public key beside it. Tokens that refuse key import answer with an error naming the reason.
 */
export async function importTokenKey(req: TokenKeyRequest & { key: KeyObject }): Promise<TokenKey> {
  const s = await sessionFor(req);
  const { p11, lib } = s.m;
  const label = req.uri.object!;
  const id = req.uri.id ?? randomBytes(8);
  const jwk = req.key.export({ format: 'jwk' });
  const b = (v: string | undefined) => Buffer.from(v ?? '', 'base64url');
  const d = describeKey(req.key);
  let privateAttrs: { type: number; value?: number | boolean | string | Buffer }[];
  let publicAttrs: { type: number; value?: number | boolean | string | Buffer }[];
  if (d.algorithm === 'rsa') {
    publicAttrs = [
      { type: p11.CKA_KEY_TYPE, value: p11.CKK_RSA },
      { type: p11.CKA_MODULUS, value: b(jwk.n) },
      { type: p11.CKA_PUBLIC_EXPONENT, value: b(jwk.e) },
    ];
    privateAttrs = [
      ...publicAttrs,
      { type: p11.CKA_PRIVATE_EXPONENT, value: b(jwk.d) },
      { type: p11.CKA_PRIME_1, value: b(jwk.p) },
      { type: p11.CKA_PRIME_2, value: b(jwk.q) },
      { type: p11.CKA_EXPONENT_1, value: b(jwk.dp) },
      { type: p11.CKA_EXPONENT_2, value: b(jwk.dq) },
      { type: p11.CKA_COEFFICIENT, value: b(jwk.qi) },
    ];
  } else if (d.algorithm === 'ec' && CURVES[d.curve!]) {
    const params = derOid(CURVES[d.curve!]!.oid);
    const point = Buffer.concat([Buffer.from([4]), b(jwk.x), b(jwk.y)]);
    publicAttrs = [
      { type: p11.CKA_KEY_TYPE, value: p11.CKK_EC },
      { type: p11.CKA_EC_PARAMS, value: params },
      { type: p11.CKA_EC_POINT, value: derTlv(0x04, point) },
    ];
    privateAttrs = [
      { type: p11.CKA_KEY_TYPE, value: p11.CKK_EC },
      { type: p11.CKA_EC_PARAMS, value: params },
      { type: p11.CKA_VALUE, value: b(jwk.d) },
    ];
  } else throw badInput(`${d.label} keys cannot be moved into a token here; use an RSA or ECDSA CA key.`);
  let priv: Handle;
  try {
    priv = lib.C_CreateObject(s.handle, [
      { type: p11.CKA_CLASS, value: p11.CKO_PRIVATE_KEY },
      ...privateAttrs,
      ...privateTemplate(p11, label, id),
    ]);
    lib.C_CreateObject(s.handle, [
      { type: p11.CKA_CLASS, value: p11.CKO_PUBLIC_KEY },
      ...publicAttrs,
      ...publicTemplate(p11, label, id),
    ]);
  } catch (err) {
    throw badInput(
      `Token '${s.token.label}' refused to import the key (${describeError(err)}); some tokens allow only keys generated inside them: create a new CA with 'mtlskit ca init --pkcs11'.`,
    );
  }
  return tokenKeyFor(s, priv, { ...req.uri, id }, req.pss === true);
}

/** Removes the objects of a key pair (used to undo an import whose test signature failed). */
export async function destroyTokenKey(req: TokenKeyRequest): Promise<void> {
  const m = await openModule(req.modulePath);
  const { slot, view } = findToken(m, req.uri);
  const s = openSession(m, slot, view);
  await login(s, req.pin);
  for (const cls of [m.p11.CKO_PRIVATE_KEY, m.p11.CKO_PUBLIC_KEY])
    for (const h of findObjects(s, keyTemplate(req.uri, cls, m.p11))) m.lib.C_DestroyObject(s.handle, h);
}

/** Tokens, and with a PIN the key objects of each (for `show pkcs11`). */
export async function describeModule(
  modulePath: string,
  pin?: PinProvider,
  uri?: Pkcs11Uri,
): Promise<{ module: string; tokens: (TokenView & { keys?: KeyObjectView[] })[] }> {
  const m = await openModule(modulePath);
  const tokens = listTokens(m);
  const selected = uri ? [findToken(m, uri)] : tokens.filter((t) => t.view.flags.includes('initialized'));
  const views: (TokenView & { keys?: KeyObjectView[] })[] = tokens.map((t) => ({ ...t.view }));
  for (const t of selected) {
    const s = openSession(m, t.slot, t.view);
    if (pin) await login(s, pin);
    const view = views.find((v) => v.slotId === t.view.slotId)!;
    view.keys = listKeyObjects(s);
  }
  return { module: modulePath, tokens: views };
}

/** Test-only: forget open modules so a test can start over in the same process. */
export function closeAllModules(): void {
  finalizeAll();
}
