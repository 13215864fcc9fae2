/**
 * Typed errors: raised anywhere in the core, rendered once at the CLI edge.
 * Each code has a stable exit status, documented in the README ("Exit codes").
 */
export const EXIT_CODES = {
  OK: 0,
  /** A check ran and failed: verify found problems, probe could not complete mTLS. */
  CHECK_FAILED: 1,
  /** Bad usage or bad input: unknown flag, malformed PEM/DER/conf, unreadable file. */
  USAGE: 2,
  BAD_INPUT: 2,
  CONF_ERROR: 2,
  NOT_FOUND: 2,
  /** A file that would be overwritten exists; nothing was written. Use --force. */
  FILE_EXISTS: 3,
  /** A password is wrong or missing, a key does not match its certificate, or a key is damaged. */
  BAD_PASSWORD: 4,
  PASSWORD_REQUIRED: 4,
  KEY_MISMATCH: 4,
  /** A private key is damaged: its parts do not fit together, so its signatures do not verify. */
  BAD_KEY: 4,
  /** The CA refuses: issuer is not a CA or has expired, serial from another CA, already revoked. */
  CA_REFUSED: 5,
  ALREADY_REVOKED: 5,
  /** Another process holds the CA store lock for too long. */
  STORE_BUSY: 6,
  /** The operating system refused a read or write (permissions, disk full). */
  IO_ERROR: 7,
  /** Interrupted by the user (Ctrl-C); nothing half-written. */
  CANCELLED: 130,
  /** A bug in mtlskit. */
  INTERNAL: 70,
} as const;

export type ErrorCode = keyof typeof EXIT_CODES;

export class MtlsError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  /** Extra machine-readable detail for --json output. */
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(oneLine(message));
    this.name = 'MtlsError';
    this.code = code;
    this.exitCode = EXIT_CODES[code];
    this.details = details;
  }
}

/**
 * Messages echo what the user gave (a password source, a JSON excerpt, a conf line), which may hold line
 * breaks, control characters or thousands of characters: keep the message one readable line. Control
 * characters are shown escaped; a run of more than 160 characters without a space is shortened.
 */
export function oneLine(message: string): string {
  return message
    .replace(/\r\n|[\x00-\x1f\x7f]/g, (c) =>
      c === '\n' || c === '\r\n'
        ? '\\n'
        : c === '\r'
          ? '\\r'
          : c === '\t'
            ? '\\t'
            : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
    )
    .replace(/\S{161,}/g, (run) => `${run.slice(0, 80)}…${run.slice(-40)} (${run.length} characters)`);
}

export function usageError(message: string): MtlsError {
  return new MtlsError('USAGE', message);
}

export function badInput(message: string, details?: Record<string, unknown>): MtlsError {
  return new MtlsError('BAD_INPUT', message, details);
}

export function isMtlsError(err: unknown): err is MtlsError {
  return err instanceof MtlsError;
}
