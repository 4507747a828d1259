import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server for the mailer's tests: counts the connections it is offered, keeps each
 * accepted mail's recipient, refuses service while `down` (421 at connect and at MAIL FROM, as the
 * sandbox sink does) and rejects recipients whose address starts with "nobody" (550).
 */
export interface SmtpPeer {
  port: number;
  down: boolean;
  connections: number;
  readonly received: string[];
  close(): Promise<void>;
}

export async function startSmtpPeer(): Promise<SmtpPeer> {
  const refuse = () => Object.assign(new Error('service down'), { responseCode: 421 });
  const peer: SmtpPeer = { port: 0, down: false, connections: 0, received: [], close: async () => {} };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onConnect(_session, callback) {
      peer.connections += 1;
      callback(peer.down ? refuse() : undefined);
    },
    onMailFrom(_address, _session, callback) {
      callback(peer.down ? refuse() : undefined);
    },
    onRcptTo(address, _session, callback) {
      callback(address.address.startsWith('nobody') ? Object.assign(new Error('no such user'), { responseCode: 550 }) : undefined);
    },
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        peer.received.push(session.envelope.rcptTo[0].address);
        callback();
      });
    },
  });
  // A refused client hangs up mid-conversation; smtp-server reports that as an 'error' event.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  peer.port = (server.server.address() as AddressInfo).port;
  peer.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return peer;
}
