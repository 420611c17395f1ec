export interface CaInfo {
  id: number;
  name: string;
  keyType: string;
  keySize: number;
  /** `{name-slug}-{id}`, read from the CA-issuers URL of a certificate it issued. */
  slug: string;
}

export interface IssuedCertificate {
  id: number;
  serialNumber: string;
  certificatePem: string;
}

interface JsonObject {
  [key: string]: unknown;
}

function field<T>(body: JsonObject, name: string, kind: 'number' | 'string'): T {
  const value = body[name];
  if (typeof value !== kind)
    throw new Error(`response field ${name} is not a ${kind}: ${JSON.stringify(body)}`);
  return value as T;
}

/** The few API calls the bench needs to set up its fixtures. */
export class ApiClient {
  private token = '';

  constructor(readonly baseUrl: string) {}

  get accessToken(): string {
    return this.token;
  }

  private async call(method: string, path: string, body?: unknown, form?: boolean): Promise<JsonObject> {
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let payload: string | undefined;
    if (body !== undefined && form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(body as Record<string, string>).toString();
    } else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: payload });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return text ? (JSON.parse(text) as JsonObject) : {};
  }

  async signUp(username: string, password: string): Promise<void> {
    await this.call('POST', '/api/v1/users/', { username, email: `${username}@bench.example`, password });
  }

  async signIn(username: string, password: string): Promise<void> {
    const body = await this.call('POST', '/api/v1/auth/token', { username, password }, true);
    this.token = field<string>(body, 'access_token', 'string');
  }

  async createCa(name: string, keyType: 'rsa' | 'ec', keySize: number): Promise<Omit<CaInfo, 'slug'>> {
    const body = await this.call('POST', '/api/v1/cas/', {
      name,
      subject_dn: `CN=${name},O=Bench`,
      key_type: keyType,
      key_size: keySize,
    });
    return { id: field<number>(body, 'id', 'number'), name, keyType, keySize };
  }

  async signCsr(caId: number, csrPem: string): Promise<IssuedCertificate> {
    return this.issued(
      await this.call('POST', '/api/v1/certificates/sign-csr', {
        csr: csrPem,
        ca_id: caId,
        certificate_type: 'server',
      }),
    );
  }

  async revoke(certificateId: number): Promise<void> {
    await this.call('POST', `/api/v1/certificates/${certificateId}/revoke`, { reason: 'superseded' });
  }

  private issued(body: JsonObject): IssuedCertificate {
    return {
      id: field<number>(body, 'id', 'number'),
      serialNumber: field<string>(body, 'serial_number', 'string'),
      certificatePem: field<string>(body, 'certificate', 'string'),
    };
  }
}
