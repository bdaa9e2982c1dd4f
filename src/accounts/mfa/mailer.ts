// Sends mail through the SMTP server of SMTP_URL (nodemailer). No SMTP_URL → no mailer, and the features
// that need mail (Email OTP) say they are unavailable instead of failing at the last moment.
import nodemailer from 'nodemailer';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): void;
}

export function createMailer(config: { smtpUrl?: string | undefined; smtpFrom?: string | undefined }): Mailer | null {
  if (!config.smtpUrl || !config.smtpFrom) return null;
  const from = config.smtpFrom;
  // The URL carries host, port, credentials and smtp:/smtps:; nodemailer reads them all from it.
  const transport = nodemailer.createTransport(config.smtpUrl);
  return {
    send: async (message) => {
      await transport.sendMail({ from, to: message.to, subject: message.subject, text: message.text });
    },
    close: () => transport.close(),
  };
}

/** Whether mail can be sent at all: what sign-in flow warnings ask. */
export const emailOtpAvailable = (config: { smtpUrl?: string | undefined; smtpFrom?: string | undefined }) =>
  Boolean(config.smtpUrl && config.smtpFrom);
