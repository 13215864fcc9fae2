/**
 * stdout and stderr without Node's stream objects. Creating process.stdout or process.stderr for a pipe loads
 * net and the stream wrappers, about 5 ms on every run of a command that prints one line (issue 19). Writes here
 * are synchronous, as Node's own are for files and terminals, so output is whole and in order even when a
 * command ends with process.exit. On a full non-blocking pipe Node 20's writeSync waits for room itself (libuv
 * polls on EAGAIN); where a Node throws EAGAIN instead, the rest of the run's output goes through Node's stream,
 * which keeps the order.
 */
import { fstatSync, writeSync } from 'node:fs';

type OutFd = 1 | 2;

const handedOver: Record<OutFd, boolean> = { 1: false, 2: false };

function streamOf(fd: OutFd): NodeJS.WriteStream {
  return fd === 1 ? process.stdout : process.stderr;
}

/** A reader that closed the pipe (`mtlskit list | head -1`) is not an error: stop quietly with the status so far. */
function readerGone(fd: OutFd): void {
  if (fd === 1) process.exit(process.exitCode ?? 0);
}

function handOver(fd: OutFd, rest: Uint8Array): void {
  handedOver[fd] = true;
  const stream = streamOf(fd);
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') return readerGone(fd);
    throw error;
  });
  stream.write(rest);
}

function writeTo(fd: OutFd, text: string): void {
  if (handedOver[fd]) {
    streamOf(fd).write(text);
    return;
  }
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length;) {
    try {
      at += writeSync(fd, bytes, at);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return readerGone(fd);
      if (code !== 'EAGAIN') throw error;
      return handOver(fd, bytes.subarray(at));
    }
  }
}

/** Whether some output went to Node's stream (see above) and may still be on its way. */
export function outputQueued(): boolean {
  return handedOver[1] || handedOver[2];
}

/** Writes text to stdout. */
export function writeOut(text: string): void {
  writeTo(1, text);
}

/** Writes text to stderr. */
export function writeErr(text: string): void {
  writeTo(2, text);
}

/**
 * Whether fd 0, 1 or 2 is a terminal. A pipe or a file (what CI and scripts give) is told by one fstat, without
 * creating Node's stream; only a character device asks the stream, which is what a terminal needs anyway.
 */
export function isTerminal(fd: 0 | 1 | 2): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  const stream = fd === 0 ? process.stdin : streamOf(fd);
  return stream.isTTY === true;
}
