import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/logging';

/** A real pino logger whose lines a test can read back, one JSON text per line. */
export function capturedLogger(name: string, level = 'info'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger(name, level, sink), lines };
}
