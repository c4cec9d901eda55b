import type { Logger } from '@kassa/payments';
import nodemailer from 'nodemailer';

/** One email the platform sends: plain text, to one person. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/**
 * Everything the dashboard's chain sends by email (invitations, password resets) goes through
 * this one interface: SMTP in production (SmtpMailer), the log in development (LogMailer).
 */
export interface Mailer {
  /** Resolves once the message is handed over (to the SMTP server, or to the log). */
  send(message: MailMessage): Promise<void>;
  /** Closes connections it keeps. */
  close?(): void;
}

/**
 * Sends through an SMTP server (SMTP_URL, e.g. `smtps://user:pass@smtp.example.com:465`) with
 * nodemailer, from MAIL_FROM. A connection pool is kept; STARTTLS is used when the server offers
 * it (`smtp://`), and required when the URL says so (`?requireTLS=true`).
 */
export class SmtpMailer implements Mailer {
  readonly #transport: nodemailer.Transporter;
  readonly #from: string;

  constructor(url: string, from: string) {
    this.#transport = nodemailer.createTransport(url);
    this.#from = from;
  }

  async send(message: MailMessage): Promise<void> {
    await this.#transport.sendMail({ from: this.#from, ...message });
  }

  close(): void {
    this.#transport.close();
  }
}

/**
 * Development without a mail server: each message is written to the log (at info), links and
 * all, so whoever runs `kassa dev` can open them. Never in production: the links are credentials.
 */
export class LogMailer implements Mailer {
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  async send(message: MailMessage): Promise<void> {
    this.#log.info(
      { mail: { to: message.to, subject: message.subject } },
      `email not sent (no SMTP_URL), here it is:\n${message.text}`,
    );
  }
}
