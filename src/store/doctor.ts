/**
 * `mtlskit doctor`: checks that a CA folder is sound — its index parses, every record has its certificate
 * copy and they agree, every certificate file is recorded and its key fits, no serial twice, private keys
 * 0600, the CRL current and signed by the CA, no change left half done — and makes the safe repairs.
 * Reads mtlskit folders, and `openssl ca` (demoCA) and easy-rsa folders too (read-only).
 */
import { chmodSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { MtlsError, usageError } from '../errors.js';
import { readDerObjects } from '../pki/pem.js';
import { readCertificate, type CertInfo } from '../pki/verify-cert.js';
import { isEncryptedKey, keyMatchesPublicKey, loadPrivateKey } from '../pki/keys.js';
import { nameDerToSlashForm } from '../pki/name-text.js';
import { parseCrl, verifyCrlSignature } from '../pki/crl.js';
import { certificateSignedBy } from '../pki/verify-signature.js';
import { listFew } from './atomic-write.js';
import { CaStore, type StoreFile } from './ca-store.js';
import { formatIndexTime, parseIndexLine, type IndexEntry } from './index-file.js';
import { findTempFiles, journalState } from './journal.js';
import { findOrphanReapMarkers, lockOwnerGone } from './lock.js';

export type StoreLayout = 'mtlskit' | 'openssl ca' | 'easy-rsa';

export interface DoctorProblem {
  /** Stable for --json: INDEX_DAMAGED, INDEX_TRUNCATED, DUPLICATE_SERIAL, CERT_FILE_MISSING, ... */
  code: string;
  /** One line: what is wrong, where. */
  message: string;
  file?: string;
  line?: number;
  serial?: string;
  name?: string;
  /** Every file concerned, where one line names only a few. */
  files?: string[];
  /** doctor --repair can fix it. */
  repairable: boolean;
}

export interface DoctorReport {
  dir: string;
  layout: StoreLayout;
  sound: boolean;
  problems: DoctorProblem[];
  /** Worth knowing, not wrong (a change in progress, encrypted keys whose fit was not checked). */
  notes: string[];
  records: number;
  revoked: number;
  certificateFiles: number;
  crl?: { file: string; number?: string; nextUpdate?: string; revoked: number };
}

interface Layout {
  kind: StoreLayout;
  dir: string;
  index: string;
  caCert: string;
  caKey: string;
  /** Where the copy of every issued certificate is kept, as SERIAL.pem. */
  serialDir: string;
  /** Other places a copy may have moved to (easy-rsa moves revoked and renewed ones), as [folder, extension]. */
  movedCopies?: [string, string][];
  /** Where NAME.crt / NAME.key live (none for `openssl ca`, which names certificates by serial only). */
  leafDir?: string;
  keyDir?: string;
  crlFiles: string[];
}

/** How each kind of CA folder issues a new CRL. */
const MAKE_CRL: Record<StoreLayout, string> = {
  mtlskit: 'mtlskit crl gen',
  'easy-rsa': 'easyrsa gen-crl',
  'openssl ca': 'openssl ca -gencrl',
};

function detectLayout(dir: string): Layout {
  const at = (...p: string[]) => join(dir, ...p);
  const base = { dir, index: at('index.txt') };
  let layout: Layout;
  if (existsSync(at('issued')) || existsSync(at('certs_by_serial')) || existsSync(at('private', 'ca.key'))) {
    layout = {
      ...base,
      kind: 'easy-rsa',
      caCert: at('ca.crt'),
      caKey: at('private', 'ca.key'),
      serialDir: at('certs_by_serial'),
      movedCopies: [
        [at('revoked', 'certs_by_serial'), '.crt'],
        [at('renewed', 'certs_by_serial'), '.crt'],
      ],
      leafDir: at('issued'),
      keyDir: at('private'),
      crlFiles: [at('crl.pem')],
    };
  } else if (existsSync(at('newcerts')) || existsSync(at('cacert.pem')) || existsSync(at('private', 'cakey.pem'))) {
    layout = {
      ...base,
      kind: 'openssl ca',
      caCert: existsSync(at('cacert.pem')) ? at('cacert.pem') : at('ca.crt'),
      caKey: at('private', 'cakey.pem'),
      serialDir: at('newcerts'),
      crlFiles: [at('crl.pem'), at('crl', 'crl.pem')],
    };
  } else {
    layout = {
      ...base,
      kind: 'mtlskit',
      caCert: at('ca.crt'),
      caKey: at('ca.key'),
      serialDir: at('certs'),
      leafDir: dir,
      keyDir: dir,
      crlFiles: [at('crl.pem')],
    };
  }
  if (!existsSync(layout.index) && !existsSync(layout.caCert)) {
    throw new MtlsError(
      'NOT_FOUND',
      `No CA folder in ${dir} (no index.txt and no CA certificate); give the folder of an mtlskit, openssl ca or easy-rsa CA with --dir.`,
    );
  }
  return layout;
}

const normalizeSerial = (hex: string) => {
  const t = hex.toUpperCase().replace(/^(00)+(?=[0-9A-F]{2})/, '');
  return t.length % 2 ? `0${t}` : t;
};

function readCert(path: string): CertInfo {
  const [der] = readDerObjects(readFileSync(path), ['CERTIFICATE', 'X509 CERTIFICATE'], path, 'certificate');
  return readCertificate(der!, path);
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

interface IndexRecord {
  entry: IndexEntry;
  line: number;
}

class Examination {
  readonly problems: DoctorProblem[] = [];
  readonly notes: string[] = [];
  records: IndexRecord[] = [];
  ca?: CertInfo;
  /** Leaves found by name: NAME → certificate. */
  readonly leaves = new Map<string, { path: string; cert?: CertInfo }>();

  constructor(
    readonly layout: Layout,
    readonly now: Date,
  ) {}

  rel(path: string): string {
    return relative(this.layout.dir, path) || path;
  }

  problem(p: Omit<DoctorProblem, 'repairable'> & { repairable?: boolean }): void {
    this.problems.push({ ...p, repairable: p.repairable ?? false });
  }

  run(): void {
    this.readCa();
    this.readIndex();
    this.checkLeaves();
    this.checkRecords();
    this.checkSerialFiles();
    this.checkKeyModes();
    this.checkCrl();
    if (this.layout.kind === 'mtlskit') this.checkLeftovers();
  }

  readCa(): void {
    const { caCert, caKey } = this.layout;
    if (!existsSync(caCert)) {
      this.problem({ code: 'CA_MISSING', message: `${this.rel(caCert)} is missing.`, file: caCert });
      return;
    }
    try {
      this.ca = readCert(caCert);
    } catch (err) {
      this.problem({ code: 'CA_UNREADABLE', message: `${this.rel(caCert)}: ${(err as Error).message}`, file: caCert });
      return;
    }
    this.checkKeyFits(caKey, this.ca, 'the CA certificate');
  }

  readIndex(): void {
    const path = this.layout.index;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      this.problem({ code: 'INDEX_MISSING', message: `${this.rel(path)} is missing or unreadable.`, file: path });
      return;
    }
    const lines = text.split('\n');
    const cut = text.length > 0 && !text.endsWith('\n');
    const bySerial = new Map<string, number>();
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.length === 0) continue;
      const n = i + 1;
      const last = i === lines.length - 1;
      let entry: IndexEntry;
      try {
        entry = parseIndexLine(line);
      } catch (err) {
        this.problem({
          code: last && cut ? 'INDEX_TRUNCATED' : 'INDEX_DAMAGED',
          message:
            last && cut
              ? `${this.rel(path)}:${n}: the last record is cut off mid-line (${(err as Error).message}).`
              : `${this.rel(path)}:${n}: the record is damaged (${(err as Error).message}).`,
          file: path,
          line: n,
        });
        continue;
      }
      if (last && cut) {
        this.problem({
          code: 'INDEX_TRUNCATED',
          message: `${this.rel(path)}:${n}: the last record (serial ${entry.serialHex}${entry.name ? `, ${entry.name}` : ''}) has no line end: it may be cut off.`,
          file: path,
          line: n,
          serial: entry.serialHex,
          name: entry.name || undefined,
        });
      }
      const serial = normalizeSerial(entry.serialHex);
      const first = bySerial.get(serial);
      if (first !== undefined) {
        this.problem({
          code: 'DUPLICATE_SERIAL',
          message: `${this.rel(path)}:${n}: serial ${entry.serialHex} is recorded twice (also on line ${first}).`,
          file: path,
          line: n,
          serial: entry.serialHex,
        });
        continue;
      }
      bySerial.set(serial, n);
      this.records.push({ entry, line: n });
    }
  }

  serialFile(serialHex: string): string {
    return join(this.layout.serialDir, `${serialHex.toUpperCase()}.pem`);
  }

  /** The certificate copy of a record: certs/SERIAL.pem, or where the CA tool moved it. */
  findCopy(serialHex: string): string | undefined {
    const main = this.serialFile(serialHex);
    if (existsSync(main)) return main;
    for (const [dir, ext] of this.layout.movedCopies ?? []) {
      const moved = join(dir, `${serialHex.toUpperCase()}${ext}`);
      if (existsSync(moved)) return moved;
    }
    return undefined;
  }

  /** Where a record is: "index.txt:12 (serial 1A2B…, NAME)". */
  where(r: IndexRecord): string {
    return `${this.rel(this.layout.index)}:${r.line} (serial ${r.entry.serialHex}${r.entry.name ? `, ${r.entry.name}` : ''})`;
  }

  checkRecords(): void {
    for (const r of this.records) {
      const { entry } = r;
      const found = this.findCopy(entry.serialHex);
      const path = found ?? this.serialFile(entry.serialHex);
      const base = { file: path, line: r.line, serial: entry.serialHex, name: entry.name || undefined };
      if (!found) {
        const leaf = entry.name ? this.leaves.get(entry.name) : undefined;
        const rebuildable =
          leaf?.cert !== undefined && normalizeSerial(leaf.cert.serialHex) === normalizeSerial(entry.serialHex);
        this.problem({
          ...base,
          code: 'CERT_FILE_MISSING',
          message: `${this.where(r)}: ${this.rel(path)} is missing${rebuildable ? ` (${entry.name}.crt still has it)` : ''}.`,
          repairable: this.layout.kind === 'mtlskit' && rebuildable,
        });
        continue;
      }
      let cert: CertInfo;
      try {
        cert = readCert(path);
      } catch (err) {
        this.problem({ ...base, code: 'CERT_FILE_UNREADABLE', message: `${this.where(r)}: ${(err as Error).message}` });
        continue;
      }
      const differences: string[] = [];
      if (normalizeSerial(cert.serialHex) !== normalizeSerial(entry.serialHex))
        differences.push(`its serial is ${cert.serialHex}`);
      const subject = nameDerToSlashForm(cert.subjectDer);
      if (subject !== entry.subject) differences.push(`its subject is ${subject}, the record says ${entry.subject}`);
      if (formatIndexTime(cert.notAfter) !== formatIndexTime(entry.notAfter))
        differences.push(`it expires ${cert.notAfter.toISOString()}, the record says ${entry.notAfter.toISOString()}`);
      if (differences.length > 0)
        this.problem({
          ...base,
          code: 'CERT_FILE_MISMATCH',
          message: `${this.where(r)}: ${this.rel(path)} does not match its record: ${differences.join('; ')}.`,
        });
    }
  }

  /** certs/SERIAL.pem files that no record names. */
  checkSerialFiles(): void {
    const recorded = new Set(this.records.map((r) => normalizeSerial(r.entry.serialHex)));
    const unrecorded: string[] = [];
    for (const name of listDir(this.layout.serialDir)) {
      const m = /^([0-9A-Fa-f]+)\.pem$/.exec(name);
      if (m && !recorded.has(normalizeSerial(m[1]!))) unrecorded.push(join(this.layout.serialDir, name));
    }
    if (unrecorded.length > 0)
      this.problem({
        code: 'CERT_FILE_UNRECORDED',
        message: `${unrecorded.length} certificate file(s) in ${this.rel(this.layout.serialDir)}/ have no record in ${this.rel(this.layout.index)}: ${listFew(unrecorded.map((p) => this.rel(p)))}.`,
        files: unrecorded,
        repairable: false,
      });
  }

  checkLeaves(): void {
    const { leafDir, keyDir } = this.layout;
    if (!leafDir || !keyDir) return;
    const bySerial = new Map(this.records.map((r) => [normalizeSerial(r.entry.serialHex), r]));
    const encrypted: string[] = [];
    for (const file of listDir(leafDir).sort()) {
      if (!file.endsWith('.crt') || file.endsWith('-chain.crt') || file === 'ca.crt' || file.startsWith('.')) continue;
      const name = file.slice(0, -'.crt'.length);
      const path = join(leafDir, file);
      let cert: CertInfo;
      try {
        cert = readCert(path);
      } catch (err) {
        this.problem({ code: 'CERT_UNREADABLE', message: `${(err as Error).message}`, file: path, name });
        continue;
      }
      this.leaves.set(name, { path, cert });
      const ours = this.ca !== undefined && cert.issuerDer.equals(this.ca.subjectDer);
      const record = bySerial.get(normalizeSerial(cert.serialHex));
      if (ours && !record) {
        const signed = certificateSignedBy(cert, this.ca!.spki);
        this.problem({
          code: 'CERT_UNRECORDED',
          message: `${this.rel(path)} (serial ${cert.serialHex}) names this CA as issuer but has no record in ${this.rel(this.layout.index)}${signed ? '' : ' (and its signature is not the CA’s)'}.`,
          file: path,
          serial: cert.serialHex,
          name,
          repairable: signed && this.layout.kind === 'mtlskit',
        });
      }
      const keyPath = join(keyDir, `${name}.key`);
      const what = `${this.rel(path)}${record ? `, recorded at ${this.where(record)}` : ''}`;
      if (existsSync(keyPath) && !this.checkKeyFits(keyPath, cert, what)) encrypted.push(keyPath);
    }
    if (encrypted.length > 0)
      this.notes.push(
        `${encrypted.length} private key(s) are encrypted, so whether they fit was not checked: ${listFew(encrypted.map((p) => this.rel(p)))}.`,
      );
  }

  /** Checks that a key file fits a certificate; false when it is encrypted (not checked). */
  checkKeyFits(keyPath: string, cert: CertInfo, what: string): boolean {
    let data: Buffer;
    try {
      data = readFileSync(keyPath);
    } catch {
      return true;
    }
    if (isEncryptedKey(data)) return false;
    try {
      const key = loadPrivateKey(data, undefined, this.rel(keyPath));
      if (!keyMatchesPublicKey(key, cert.spki))
        this.problem({
          code: 'KEY_MISMATCH',
          message: `${this.rel(keyPath)} does not fit ${what}.`,
          file: keyPath,
          serial: cert.serialHex,
        });
    } catch (err) {
      this.problem({ code: 'KEY_UNREADABLE', message: (err as Error).message, file: keyPath });
    }
    return true;
  }

  /** Private keys and PKCS#12 bundles readable by others than their owner. */
  checkKeyModes(): void {
    if (process.platform === 'win32') return;
    const { kind, dir } = this.layout;
    const candidates: string[] = [this.layout.caKey];
    if (kind === 'mtlskit')
      for (const f of listDir(dir)) if (/\.(key|pfx|p12)$/.test(f) && !f.startsWith('.')) candidates.push(join(dir, f));
    if (kind !== 'mtlskit')
      for (const f of listDir(join(dir, 'private')))
        if (/\.(key|pem)$/.test(f)) candidates.push(join(dir, 'private', f));
    const open: string[] = [];
    for (const path of new Set(candidates)) {
      try {
        if ((statSync(path).mode & 0o077) !== 0) open.push(path);
      } catch {
        // absent
      }
    }
    for (const path of open)
      this.problem({
        code: 'KEY_MODE',
        message: `${this.rel(path)} can be read by other users (mode ${(statSync(path).mode & 0o777).toString(8)}); private keys should be 0600.`,
        file: path,
        repairable: kind === 'mtlskit',
      });
  }

  checkCrl(): void {
    const file = this.layout.crlFiles.find((f) => existsSync(f));
    const revoked = this.records.filter((r) => r.entry.status === 'R');
    if (!file) {
      if (revoked.length > 0) {
        const text = `${revoked.length} certificate(s) are revoked but there is no CRL (${this.rel(this.layout.crlFiles[0]!)}); make one with '${MAKE_CRL[this.layout.kind]}'.`;
        if (this.layout.kind === 'mtlskit') this.problem({ code: 'CRL_MISSING', message: text });
        else this.notes.push(text);
      }
      return;
    }
    let crl;
    try {
      crl = parseCrl(readFileSync(file), this.rel(file));
    } catch (err) {
      this.problem({ code: 'CRL_UNREADABLE', message: (err as Error).message, file });
      return;
    }
    this.crl = {
      file,
      number: crl.crlNumber?.toString(),
      nextUpdate: crl.nextUpdate?.toISOString(),
      revoked: crl.revokedCount,
    };
    if (this.ca) {
      if (!crl.issuerNameDer.equals(this.ca.subjectDer) || !verifyCrlSignature(crl, this.ca.spki))
        this.problem({
          code: 'CRL_BAD_SIGNATURE',
          message: `${this.rel(file)} is not signed by this CA (${this.ca.subject}); issue a new CRL.`,
          file,
        });
    }
    if (crl.nextUpdate && crl.nextUpdate.getTime() < this.now.getTime())
      this.problem({
        code: 'CRL_EXPIRED',
        message: `${this.rel(file)} expired on ${crl.nextUpdate.toISOString()} (nextUpdate); issue a new CRL.`,
        file,
      });
    if (crl.thisUpdate.getTime() > this.now.getTime() + 5 * 60_000)
      this.problem({
        code: 'CRL_NOT_YET_VALID',
        message: `${this.rel(file)} starts only on ${crl.thisUpdate.toISOString()}; check the clock.`,
        file,
      });
    const missing = revoked.filter((r) => !crl.lookup(normalizeSerial(r.entry.serialHex)));
    if (missing.length > 0)
      this.problem({
        code: 'CRL_STALE',
        message: `${this.rel(file)} lacks ${missing.length} revoked certificate(s) of ${this.rel(this.layout.index)}: ${listFew(missing.map((r) => r.entry.name || r.entry.serialHex))}; run '${MAKE_CRL[this.layout.kind]}'.`,
        file,
      });
  }

  crl?: DoctorReport['crl'];

  /** A change, temporary files or a lock left by a process that ended. */
  checkLeftovers(): void {
    const { dir } = this.layout;
    const journal = journalState(dir);
    if (journal) {
      if (journal.orphaned)
        this.problem({
          code: 'JOURNAL_LEFT',
          message: `${this.rel(journal.path)}: a change of ${journal.files} file(s)${journal.pid ? ` by process ${journal.pid}` : ''} was interrupted ${journal.committed ? 'after its commit (it will be finished)' : 'before its commit (it will be undone)'}; run 'mtlskit doctor --repair'.`,
          file: journal.path,
          repairable: true,
        });
      else this.notes.push(`process ${journal.pid} is changing the store right now (${this.rel(journal.path)}).`);
    }
    const temps = findTempFiles(dir);
    const left = temps.filter((t) => t.orphaned).map((t) => t.path);
    if (left.length > 0)
      this.problem({
        code: 'TEMP_LEFT',
        message: `${left.length} temporary file(s) were left by processes that ended: ${listFew(left.map((p) => this.rel(p)))}.`,
        files: left,
        repairable: true,
      });
    const live = temps.length - left.length;
    if (live > 0)
      this.notes.push(
        `${live} temporary file(s) belong to running processes (or another machine) and were left alone.`,
      );
    const lock = join(dir, '.lock');
    const owner = lockOwnerGone(lock);
    if (owner?.gone)
      this.problem({
        code: 'LOCK_LEFT',
        message: `.lock was left by process ${owner.pid}, which ended; the next command takes it over.`,
        file: lock,
        repairable: true,
      });
    const claims = findOrphanReapMarkers(lock);
    if (claims.length > 0)
      this.problem({
        code: 'LOCK_CLAIM_LEFT',
        message: `${claims.length} claim(s) to take over the lock were left by processes that ended: ${listFew(claims.map((p) => this.rel(p)))}; harmless, and 'mtlskit doctor --repair' removes them.`,
        files: claims,
        repairable: true,
      });
  }
}

/** Examines the CA folder without changing anything. */
export function examineStore(dir: string, now = new Date()): DoctorReport {
  const layout = detectLayout(new CaStore(dir).paths.dir);
  const exam = new Examination(layout, now);
  exam.run();
  return {
    dir: layout.dir,
    layout: layout.kind,
    sound: exam.problems.length === 0,
    problems: exam.problems,
    notes: exam.notes,
    records: exam.records.length,
    revoked: exam.records.filter((r) => r.entry.status === 'R').length,
    certificateFiles: listDir(layout.serialDir).filter((f) => /^[0-9A-Fa-f]+\.pem$/.test(f)).length,
    ...(exam.crl ? { crl: exam.crl } : {}),
  };
}

/**
 * The safe repairs, under the store lock: a journal finished or undone and temporary files of ended
 * processes removed (what taking the lock does), missing certs/SERIAL.pem rebuilt from NAME.crt, certificates
 * this CA signed but never recorded added to index.txt, private keys made 0600. Returns what was done.
 */
export async function repairStore(dir: string, now = new Date()): Promise<string[]> {
  const store = new CaStore(dir);
  const layout = detectLayout(store.paths.dir);
  if (layout.kind !== 'mtlskit')
    throw usageError(
      `${layout.dir} is an ${layout.kind} folder; doctor only reads it. Repair it with the tool that made it.`,
    );
  store.ensureDir();
  return store.withLock(
    async () => {
      const actions = [...store.lastRecovery.actions];
      const exam = new Examination(layout, now);
      exam.run();
      const files: StoreFile[] = [];
      const append: IndexEntry[] = [];
      const rebuilt = new Set<string>();
      for (const p of exam.problems) {
        if (p.code === 'CERT_FILE_MISSING' && p.name && p.serial) {
          const leaf = exam.leaves.get(p.name);
          if (leaf?.cert && normalizeSerial(leaf.cert.serialHex) === normalizeSerial(p.serial)) {
            files.push({ path: exam.serialFile(p.serial), data: readFileSync(leaf.path) });
            rebuilt.add(p.serial);
            actions.push(`rebuilt ${exam.rel(exam.serialFile(p.serial))} from ${exam.rel(leaf.path)}.`);
          }
        } else if (p.code === 'CERT_UNRECORDED' && p.repairable && p.name) {
          const leaf = exam.leaves.get(p.name)!;
          const cert = leaf.cert!;
          append.push({
            status: 'V',
            notAfter: cert.notAfter,
            serialHex: normalizeSerial(cert.serialHex),
            name: p.name,
            subject: nameDerToSlashForm(cert.subjectDer),
          });
          const copy = exam.serialFile(normalizeSerial(cert.serialHex));
          if (!existsSync(copy)) files.push({ path: copy, data: readFileSync(leaf.path) });
          actions.push(
            `recorded ${exam.rel(leaf.path)} (serial ${cert.serialHex}), signed by this CA, in ${exam.rel(layout.index)}.`,
          );
        } else if (p.code === 'KEY_MODE' && p.file) {
          chmodSync(p.file, 0o600);
          actions.push(`made ${exam.rel(p.file)} readable by its owner only (0600).`);
        }
      }
      if (files.length > 0 || append.length > 0) await store.commit({ files, append });
      return actions;
    },
    { scanTemps: true },
  );
}
