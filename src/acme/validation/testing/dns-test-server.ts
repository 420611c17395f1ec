import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { ipToBytes } from '../../../crypto/general-names';

const TYPE = { A: 1, TXT: 16, AAAA: 28 } as const;
const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 } as const;

/** A DNS responder on 127.0.0.1 for specs: A, AAAA and TXT from maps, NXDOMAIN for unknown names. */
export class DnsTestServer {
  readonly a = new Map<string, string[]>();
  readonly aaaa = new Map<string, string[]>();
  readonly txt = new Map<string, string[]>();
  /** Names answered SERVFAIL, and names never answered (a resolver's timeout). */
  readonly failing = new Set<string>();
  readonly silent = new Set<string>();

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {}

  static async start(): Promise<DnsTestServer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const server = new DnsTestServer(socket, socket.address().port);
    socket.on('message', (message, peer) => server.answer(message, peer));
    return server;
  }

  /** The ACME_DNS_RESOLVER value pointing at this server. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private answer(query: Buffer, peer: RemoteInfo): void {
    const labels: string[] = [];
    let offset = 12;
    while (offset < query.length && query[offset] !== 0) {
      labels.push(query.subarray(offset + 1, offset + 1 + query[offset]).toString('latin1'));
      offset += 1 + query[offset];
    }
    const questionEnd = offset + 5;
    if (questionEnd > query.length) return;
    const name = labels.join('.').toLowerCase();
    const type = query.readUInt16BE(offset + 1);
    if (this.silent.has(name)) return;
    const known = [this.a, this.aaaa, this.txt].some((records) => records.has(name));
    const rdatas = this.failing.has(name) ? [] : this.records(name, type);
    const rcode = this.failing.has(name) ? RCODE.SERVFAIL : known ? RCODE.NOERROR : RCODE.NXDOMAIN;
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2);
    header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | rcode, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(rdatas.length, 6);
    const answers = rdatas.map((rdata) => {
      const record = Buffer.alloc(12);
      record.writeUInt16BE(0xc00c, 0); // the name, as a pointer to the question's
      record.writeUInt16BE(type, 2);
      record.writeUInt16BE(1, 4);
      record.writeUInt32BE(0, 6);
      record.writeUInt16BE(rdata.length, 10);
      return Buffer.concat([record, rdata]);
    });
    this.socket.send(
      Buffer.concat([header, query.subarray(12, questionEnd), ...answers]),
      peer.port,
      peer.address,
    );
  }

  private records(name: string, type: number): Buffer[] {
    if (type === TYPE.A) return (this.a.get(name) ?? []).map((address) => ipToBytes(address));
    if (type === TYPE.AAAA) return (this.aaaa.get(name) ?? []).map((address) => ipToBytes(address));
    if (type !== TYPE.TXT) return [];
    return (this.txt.get(name) ?? []).map((text) => {
      const chunks = text.match(/[\s\S]{1,255}/g) ?? [''];
      return Buffer.concat(
        chunks.map((chunk) => Buffer.concat([Buffer.from([chunk.length]), Buffer.from(chunk, 'latin1')])),
      );
    });
  }
}
