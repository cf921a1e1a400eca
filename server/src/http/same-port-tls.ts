/**
 * https and http on one port. The listening http server looks at the first byte
 * of each connection: a TLS handshake record (0x16) goes to the https server,
 * anything else stays plain http.
 *
 * Why one port: a health worker types the address she was given, with or
 * without the s. Over https she gets Outpost; over plain http she still gets an
 * answer on the same address — the app says "open https://…, and first install
 * the clinic certificate from http://…/ca.crt" — instead of a connection error.
 * What plain http may do once TLS is configured is limited in app.ts
 * (`plainHttpLimits`): nothing carrying patient data or passwords.
 *
 * HSTS stays coherent: it names a host, not a port, and a browser only stores
 * it from a certificate it trusts, after which https on this same port works.
 *
 * The https server never listens itself; it is told it is listening so that
 * Node's request and header timeouts run for its connections too, and
 * `closeIdleConnections`/`closeAllConnections` of the listening server reach them.
 */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';

/** The first byte of a TLS record carrying a handshake (the ClientHello). */
const TLS_HANDSHAKE_RECORD = 0x16;
/** A connection that sends nothing for this long is closed before it is dispatched. */
export const FIRST_BYTE_TIMEOUT_MS = 10_000;

export function acceptTlsOnSamePort(plain: HttpServer, secure: HttpsServer): void {
  const plainListeners = plain.listeners('connection') as ((socket: Socket) => void)[];
  plain.removeAllListeners('connection');
  plain.on('connection', (socket: Socket) => {
    dispatchByFirstByte(socket, (isTls) => {
      if (isTls) secure.emit('connection', socket);
      else for (const listener of plainListeners) listener.call(plain, socket);
    });
  });
  plain.on('listening', () => secure.emit('listening'));
  plain.on('close', () => secure.close());

  const closeIdle = plain.closeIdleConnections.bind(plain);
  plain.closeIdleConnections = () => {
    closeIdle();
    secure.closeIdleConnections();
  };
  const closeAll = plain.closeAllConnections.bind(plain);
  plain.closeAllConnections = () => {
    closeAll();
    secure.closeAllConnections();
  };
}

function dispatchByFirstByte(socket: Socket, dispatch: (isTls: boolean) => void): void {
  socket.setTimeout(FIRST_BYTE_TIMEOUT_MS, () => socket.destroy());
  const onError = () => socket.destroy();
  socket.on('error', onError);
  const onReadable = () => {
    const first = socket.read(1) as Buffer | null;
    if (first === null) return; // nothing yet (or the end): wait for more
    socket.off('readable', onReadable);
    socket.off('end', onEnd);
    socket.off('error', onError);
    socket.setTimeout(0);
    // Put the byte back: the chosen server reads the connection from its start.
    socket.unshift(first);
    dispatch(first[0] === TLS_HANDSHAKE_RECORD);
  };
  const onEnd = () => socket.destroy();
  socket.on('readable', onReadable);
  socket.once('end', onEnd);
}
