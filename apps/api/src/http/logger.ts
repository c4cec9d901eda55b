import type { FastifyServerOptions } from 'fastify';

/**
 * JSON logs (pino) with secrets redacted wherever they could appear. Card data never reaches
 * request logs: bodies are not logged at all.
 */
export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
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
