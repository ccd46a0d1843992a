import { type Server, type Socket, createConnection, createServer } from 'node:net';

export type ProxyMode = 'up' | 'down' | 'hung';

/**
 * A TCP relay in front of a real server, for outages a test can switch on and off: `down` closes
 * every connection and refuses new ones (a stopped database), `hung` accepts and swallows every
 * byte without answering (a database whose processes are stopped), `up` relays again.
 */
export class TcpProxy {
  private readonly connections = new Set<Socket>();
  private server: Server | undefined;
  private mode: ProxyMode = 'up';

  private constructor(
    private readonly target: { host: string; port: number },
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const probe = createServer();
    const port = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port)));
    await new Promise((resolve) => probe.close(resolve));
    const proxy = new TcpProxy(target, port);
    await proxy.listen();
    return proxy;
  }

  private listen(): Promise<void> {
    this.server = createServer((client) => this.relay(client));
    return new Promise((resolve) => this.server!.listen(this.port, '127.0.0.1', () => resolve()));
  }

  private relay(client: Socket): void {
    const upstream = createConnection(this.target);
    for (const socket of [client, upstream]) {
      this.connections.add(socket);
      socket.on('close', () => this.connections.delete(socket));
      socket.on('error', () => undefined);
    }
    client.on('data', (bytes) => this.mode === 'up' && upstream.write(bytes));
    upstream.on('data', (bytes) => this.mode === 'up' && client.write(bytes));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  private dropConnections(): void {
    for (const socket of this.connections) socket.destroy();
    this.connections.clear();
  }

  async set(mode: ProxyMode): Promise<void> {
    if (mode === this.mode) return;
    // A stopped server takes its connections with it; leaving 'hung', they have lost bytes.
    if (mode === 'down' || this.mode === 'hung') this.dropConnections();
    if (mode === 'down') await new Promise((resolve) => this.server!.close(resolve));
    if (this.mode === 'down') await this.listen();
    this.mode = mode;
  }

  async close(): Promise<void> {
    this.dropConnections();
    if (this.mode !== 'down') await new Promise((resolve) => this.server!.close(resolve));
  }
}
