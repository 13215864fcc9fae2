/**
 * The CA directory (default ./pki). Layout, documented in the README:
 *   ca.key           the CA's private key (PKCS#8 PEM, mode 0600, encrypted with --passout)
 *   ca.crt           the CA's certificate
 *   ca-chain.crt     this CA's certificate followed by its issuers up to the root (intermediate CAs only)
 *   index.txt        every issued certificate, OpenSSL `ca` format (status, expiry, revocation, serial, name, subject)
 *   crlnumber        the next CRL number (hex, OpenSSL format)
 *   certs/SERIAL.pem a copy of every issued certificate, by serial
 *   mtlskit.json     CA settings (e.g. the CRL URL written into issued certificates; for a CA key in a
 *                    PKCS#11 token, its URI and module instead of ca.key)
 *   crl.pem, crl.der the latest CRL
 *   ca-old.*, crl-old.*, ca-bundle.crt, crl-bundle.pem, ca-*-signed-by-*.crt   after `ca rotate` (see rotate-ca.ts)
 *   .lock            held while a process changes the store
 *   .journal         present while a change is being made (journal.ts); a dead process's is finished or undone
 */
import { copyFileSync, existsSync, linkSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { MtlsError } from '../errors.js';
import { ioError, makeDirectory, writeFileAtomically } from './atomic-write.js';
import { formatIndexLine, parseIndexText, readRevocations, RevocationList, type IndexEntry } from './index-file.js';
import { removeOrphanReapMarkers, withDirectoryLock } from './lock.js';
import {
  commitChange,
  commitChangeSync,
  recoverJournal,
  type JournalTarget,
  type RecoveryReport,
  type StoreFile,
} from './journal.js';

export type { StoreFile } from './journal.js';

/** One change to the store: files (written all or none) and index records, as one transaction. */
export interface StoreChangeRequest {
  files: StoreFile[];
  /** Records appended to index.txt. */
  append?: IndexEntry[];
}

export interface CaSettings {
  /** Written as crlDistributionPoints into certificates this CA issues. */
  crlUrl?: string;
  /**
   * Set by `ca adopt` when certificates from the old CA may name it by issuer and serial number (its
   * authorityKeyIdentifier): `ca renew` then keeps the CA certificate's serial so they still chain.
   */
  keepCaSerial?: boolean;
  /** The CA key is in a PKCS#11 token (there is no ca.key). */
  pkcs11?: CaPkcs11Settings;
  /** Sign with RSASSA-PSS instead of PKCS#1 v1.5 (RSA CA keys; `ca init --rsa-pss`). */
  rsaPss?: boolean;
  /** The CA generation before the last `ca rotate`: it still signs the CRL for the certificates it issued. */
  previousCa?: PreviousCaSettings;
}

export interface CaPkcs11Settings {
  /** RFC 7512 URI of the key (token, object, id; never a PIN). */
  uri: string;
  /** The PKCS#11 module that opened it (--pkcs11-module or PKCS11_MODULE override it). */
  module: string;
}

/** File names relative to the CA folder. */
export interface PreviousCaSettings {
  cert: string;
  key: string;
  crlPem: string;
  crlDer: string;
  /** Its subjectKeyIdentifier (hex): what the authorityKeyIdentifier of the certificates it issued names. */
  subjectKeyId?: string;
  rotatedAt: string;
}

export interface CaPaths {
  dir: string;
  key: string;
  cert: string;
  chain: string;
  index: string;
  crlNumber: string;
  certsDir: string;
  settings: string;
  crlPem: string;
  crlDer: string;
  lock: string;
  journal: string;
}

export function caPaths(dir: string): CaPaths {
  const d = resolve(dir);
  return {
    dir: d,
    key: join(d, 'ca.key'),
    cert: join(d, 'ca.crt'),
    chain: join(d, 'ca-chain.crt'),
    index: join(d, 'index.txt'),
    crlNumber: join(d, 'crlnumber'),
    certsDir: join(d, 'certs'),
    settings: join(d, 'mtlskit.json'),
    crlPem: join(d, 'crl.pem'),
    crlDer: join(d, 'crl.der'),
    lock: join(d, '.lock'),
    journal: join(d, '.journal'),
  };
}

/** 128 random bits, positive (top bit clear), never starting with a zero octet: 16 octets, within RFC 5280's 20. */
export function randomSerialHex(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex').toUpperCase();
}

export class CaStore {
  readonly paths: CaPaths;
  /** What taking the lock last did to finish or undo a dead process's change (doctor --repair prints it). */
  lastRecovery: RecoveryReport = { actions: [] };

  constructor(dir: string) {
    this.paths = caPaths(dir);
  }

  hasCa(): boolean {
    return existsSync(this.paths.cert) && (existsSync(this.paths.key) || this.keyInToken());
  }

  /** True when mtlskit.json says the CA key is in a PKCS#11 token. */
  keyInToken(): boolean {
    return existsSync(this.paths.settings) && this.readSettings().pkcs11 !== undefined;
  }

  /** Throws a NOT_FOUND error that says how to create the CA. */
  requireCa(): void {
    if (!this.hasCa()) {
      throw new MtlsError(
        'NOT_FOUND',
        `No CA in ${this.paths.dir} (ca.crt and ca.key are missing); run 'mtlskit ca init --dir ${this.paths.dir}' first or pass the right --dir.`,
      );
    }
  }

  /** Creates DIR and DIR/certs. */
  ensureDir(): void {
    makeDirectory(this.paths.certsDir);
  }

  ensureLayout(): void {
    this.ensureDir();
    try {
      if (!existsSync(this.paths.index))
        writeFileAtomically({ path: this.paths.index, data: '' }, { overwrite: false });
    } catch (err) {
      if (err instanceof MtlsError && err.code === 'FILE_EXISTS') return;
      throw ioError(err, 'create');
    }
  }

  read(path: string): Buffer {
    try {
      return readFileSync(path);
    } catch (err) {
      throw ioError(err, 'read');
    }
  }

  readSettings(): CaSettings {
    if (!existsSync(this.paths.settings)) return {};
    try {
      return JSON.parse(readFileSync(this.paths.settings, 'utf8')) as CaSettings;
    } catch {
      throw new MtlsError(
        'BAD_INPUT',
        `${this.paths.settings} is not valid JSON; fix it or delete it to use the defaults.`,
      );
    }
  }

  readIndex(): IndexEntry[] {
    if (!existsSync(this.paths.index)) return [];
    return parseIndexText(this.read(this.paths.index).toString('utf8'), this.paths.index);
  }

  /** The revoked entries only (what a CRL needs), read without building the whole index. */
  readRevocations(): RevocationList {
    if (!existsSync(this.paths.index)) return new RevocationList();
    return readRevocations(this.read(this.paths.index), this.paths.index);
  }

  /**
   * Applies a change as one transaction through the journal (journal.ts): after a crash at any moment, the
   * next process that takes the lock finds all of it in place and recorded, or none of it. Call under withLock.
   */
  async commit(change: StoreChangeRequest): Promise<void> {
    await commitChange(this.journalTarget, toChange(change));
  }

  /** commit() for small changes of synchronous callers (files written one by one). */
  commitSync(change: StoreChangeRequest): void {
    commitChangeSync(this.journalTarget, toChange(change));
  }

  get journalTarget(): JournalTarget {
    return { dir: this.paths.dir, index: this.paths.index };
  }

  /** Appends records (one line each) as one transaction, synced before the lock is released. */
  appendIndex(entries: IndexEntry[]): void {
    if (entries.length === 0) return;
    this.commitSync({ files: [], append: entries });
  }

  /** The index file with these entries, for a change that rewrites it (revocation changes a line in place). */
  indexFile(entries: IndexEntry[]): StoreFile {
    return { path: this.paths.index, data: entries.map((e) => formatIndexLine(e) + '\n').join(''), replace: true };
  }

  /** Replaces the whole index as one transaction. */
  writeIndex(entries: IndexEntry[]): void {
    this.commitSync({ files: [this.indexFile(entries)] });
  }

  /** A serial that no certificate in this index has (random; a collision is astronomically unlikely, but checked). */
  newSerial(taken: Set<string>): string {
    for (;;) {
      const serial = randomSerialHex();
      if (!taken.has(serial)) {
        taken.add(serial);
        return serial;
      }
    }
  }

  /** The next CRL number and the crlnumber file that advances it, to commit with the CRL (call under the lock). */
  nextCrlNumber(count = 1): { number: bigint; file: StoreFile } {
    let next = 1n;
    if (existsSync(this.paths.crlNumber)) {
      const text = this.read(this.paths.crlNumber).toString('utf8').trim();
      if (!/^[0-9A-Fa-f]+$/.test(text)) {
        throw new MtlsError(
          'BAD_INPUT',
          `${this.paths.crlNumber} does not hold a hex number; write the last CRL number plus one into it.`,
        );
      }
      next = BigInt('0x' + text);
    }
    const after = (next + BigInt(count)).toString(16).toUpperCase();
    return {
      number: next,
      file: { path: this.paths.crlNumber, data: (after.length % 2 ? '0' : '') + after + '\n', replace: true },
    };
  }

  /**
   * Keeps certs/SERIAL.pem for an issued certificate as a hard link to the file just written (no second
   * copy of the data to write and sync); a later --force re-issue replaces NAME.crt but not this link.
   */
  linkIssuedCertificate(serialHex: string, certPath: string): void {
    const target = this.certPathForSerial(serialHex);
    try {
      linkSync(certPath, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
      try {
        copyFileSync(certPath, target);
      } catch (copyErr) {
        throw ioError(copyErr, 'write');
      }
    }
  }

  certPathForSerial(serialHex: string): string {
    return join(this.paths.certsDir, `${serialHex.toUpperCase()}.pem`);
  }

  /**
   * Runs `fn` holding the store lock, after finishing or undoing any change a dead process left (and, when
   * the lock itself was taken over from a dead process, removing the temporary files it left).
   */
  withLock<T>(fn: () => Promise<T>, opts: { scanTemps?: boolean } = {}): Promise<T> {
    return withDirectoryLock(this.paths.lock, async (info) => {
      this.lastRecovery = recoverJournal(this.journalTarget, {
        scanTemps: info.tookOverStale || opts.scanTemps === true,
      });
      if (info.tookOverStale) this.lastRecovery.actions.unshift('took over the lock of a process that ended.');
      // (After a takeover, withDirectoryLock has cleared them already.)
      if (opts.scanTemps && !info.tookOverStale) {
        const markers = removeOrphanReapMarkers(this.paths.lock);
        if (markers.length > 0)
          this.lastRecovery.actions.push(
            `removed ${markers.length} claim(s) to take over the lock left by processes that ended.`,
          );
      }
      return fn();
    });
  }
}

function toChange(change: StoreChangeRequest) {
  return {
    files: change.files,
    indexText: change.append?.map((e) => formatIndexLine(e) + '\n').join(''),
  };
}
