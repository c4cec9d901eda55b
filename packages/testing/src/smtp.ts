import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One email as the test's SMTP server received and parsed it. */
export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
}

/**
 * A real SMTP server on a free port (smtp-server, from nodemailer's authors) that keeps what it
 * receives: the API sends its emails to it over SMTP, as it would to a production server, and a
 * test reads them (`next` waits for one to `to`). No TLS and no login: `smtp://127.0.0.1:<port>`.
 */
export async function startSmtpServer() {
  const received: ReceivedMail[] = [];
  const waiting: Array<{ to: string; resolve: (mail: ReceivedMail) => void }> = [];
  const taken = new Set<ReceivedMail>();
  const deliver = () => {
    for (const waiter of [...waiting]) {
      const mail = received.find((m) => !taken.has(m) && m.to.includes(waiter.to));
      if (!mail) continue;
      taken.add(mail);
      waiting.splice(waiting.indexOf(waiter), 1);
      waiter.resolve(mail);
    }
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed: ParsedMail) => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
          });
          deliver();
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    /** The next email to `to` not handed out yet (waits for it to arrive). */
    next(to: string): Promise<ReceivedMail> {
      return new Promise((resolve) => {
        waiting.push({ to: to.toLowerCase(), resolve });
        deliver();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The first link in an email's text that starts with `prefix`. */
export function linkIn(mail: ReceivedMail, prefix: string): string {
  const link = mail.text.split(/\s+/).find((word) => word.startsWith(prefix));
  if (!link) throw new Error(`no link to ${prefix} in the email "${mail.subject}"`);
  return link;
}
