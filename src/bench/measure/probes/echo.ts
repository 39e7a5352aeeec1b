/**
 * The echo server the request-response probe talks to: every byte received on a TCP
 * connection is sent straight back. Node 18 APIs only (it runs on the lab hosts).
 */
import { type AddressInfo, createServer, type Server } from 'node:net';

/** A listening echo server. */
export interface EchoServer {
  server: Server;
  host: string;
  port: number;
  /** Stops accepting connections and closes the open ones. */
  close(): Promise<void>;
}

/** Starts an echo server on host:port (port 0 picks a free one). */
export function startEchoServer(options: { host: string; port: number }): Promise<EchoServer> {
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    // A client that goes away mid-write resets the connection; that ends this socket only.
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
    socket.pipe(socket);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      resolve({
        server,
        host: address.address,
        port: address.port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
