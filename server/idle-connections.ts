import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * When each connection of `server` last became idle (connected, or finished an answer), so that
 * a shutdown can close the ones a client has left idle without racing a client that is about to
 * send its next request on one: closing a connection that just finished an answer resets the
 * request its keep-alive client is writing at that moment.
 */
export class IdleConnections {
  private readonly idleSince = new Map<Socket, number>();

  constructor(server: Server) {
    server.on('connection', (socket: Socket) => {
      this.idleSince.set(socket, Date.now());
      socket.once('close', () => this.idleSince.delete(socket));
    });
    server.on('request', (request, response) => {
      const socket = request.socket as Socket;
      this.idleSince.delete(socket);
      response.once('finish', () => {
        if (!socket.destroyed) this.idleSince.set(socket, Date.now());
      });
    });
  }

  /** Closes every connection idle for at least `ms`; busy ones finish their answer first. */
  closeIdleFor(ms: number): void {
    const now = Date.now();
    for (const [socket, since] of this.idleSince) if (now - since >= ms) socket.destroy();
  }
}
