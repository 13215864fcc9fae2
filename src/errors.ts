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
    super(message);
    this.name = 'MtlsError';
    this.code = code;
    this.exitCode = EXIT_CODES[code];
    this.details = details;
  }
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
