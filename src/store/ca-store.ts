/**
 * The CA directory (default ./pki). Layout, documented in the README:
 *   ca.key           the CA's private key (PKCS#8 PEM, mode 0600, encrypted with --passout)
 *   ca.crt           the CA's certificate
 *   ca-chain.crt     this CA's certificate followed by its issuers up to the root (intermediate CAs only)
 *   index.txt        every issued certificate, OpenSSL `ca` format (status, expiry, revocation, serial, name, subject)
 *   crlnumber        the next CRL number (hex, OpenSSL format)
 *   certs/SERIAL.pem a copy of every issued certificate, by serial
 *   mtlskit.json     CA settings (e.g. the CRL URL written into issued certificates)
 *   crl.pem, crl.der the latest CRL
 *   ca-old.*, crl-old.*, ca-bundle.crt, crl-bundle.pem, ca-*-signed-by-*.crt   after `ca rotate` (see rotate-ca.ts)
 *   .lock            held while a process changes the store
 */
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  linkSync,
  readFileSync,
  fsyncSync,
  openSync,
  closeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { MtlsError } from '../errors.js';
import { ioError, makeDirectory, writeFileAtomically } from './atomic-write.js';
import { formatIndexLine, parseIndexText, readRevocations, RevocationList, type IndexEntry } from './index-file.js';
import { withDirectoryLock } from './lock.js';

export interface CaSettings {
  /** Written as crlDistributionPoints into certificates this CA issues. */
  crlUrl?: string;
  /** The CA generation before the last `ca rotate`: it still signs the CRL for the certificates it issued. */
  previousCa?: PreviousCaSettings;
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

  constructor(dir: string) {
    this.paths = caPaths(dir);
  }

  hasCa(): boolean {
    return existsSync(this.paths.cert) && existsSync(this.paths.key);
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

  /** Appends records in one write (one line each), synced before the lock is released. */
  appendIndex(entries: IndexEntry[]): void {
    if (entries.length === 0) return;
    const text = entries.map((e) => formatIndexLine(e) + '\n').join('');
    try {
      appendFileSync(this.paths.index, text);
      const fd = openSync(this.paths.index, 'r');
      fsyncSync(fd);
      closeSync(fd);
    } catch (err) {
      throw ioError(err, 'append to');
    }
  }

  /** Replaces the whole index atomically (revocation changes a line in place). */
  writeIndex(entries: IndexEntry[]): void {
    writeFileAtomically(
      { path: this.paths.index, data: entries.map((e) => formatIndexLine(e) + '\n').join('') },
      { overwrite: true },
    );
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

  /** Reads and advances the CRL number (call under the lock). */
  takeCrlNumber(): bigint {
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
    const after = (next + 1n).toString(16).toUpperCase();
    writeFileAtomically(
      { path: this.paths.crlNumber, data: (after.length % 2 ? '0' : '') + after + '\n' },
      { overwrite: true },
    );
    return next;
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

  withLock<T>(fn: () => Promise<T>): Promise<T> {
    return withDirectoryLock(this.paths.lock, fn);
  }
}
