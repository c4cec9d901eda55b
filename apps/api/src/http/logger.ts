import type { FastifyServerOptions } from 'fastify';

/**
 * JSON logs (pino) with secrets redacted wherever they could appear. Card data never reaches
 * request logs: bodies are not logged at all.
 *
 * Logs go through process.stdout rather than pino's default sonic-boom destination: when the
 * reader of stdout is gone (the `kassa dev` supervisor was killed), sonic-boom's exit-time
 * flush retries the failing write forever and the process never exits. A stream reports EPIPE
 * as an error event instead, which we ignore: the logs are lost, the shutdown is not.
 */
let stdoutGuarded = false;

export function loggerOptions(
  level: string,
  stream: NodeJS.WritableStream = process.stdout,
): FastifyServerOptions['logger'] {
  if (!stdoutGuarded && stream === process.stdout) {
    stdoutGuarded = true;
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
  return {
    level,
    stream,
    base: { service: 'kassa-api' },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-api-key"]',
        'res.headers["set-cookie"]',
        '*.password',
        '*.secret',
        '*.apiKey',
      ],
      censor: '[redacted]',
    },
  };
}
