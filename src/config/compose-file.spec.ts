import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { join } from 'node:path';
import { SECRET_VARIABLES } from './secret-variable-files';

/** No Docker engine in CI: the compose file and the Dockerfile are checked for their safe defaults. */
interface ComposeService {
  restart?: string;
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  secrets?: string[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  secrets: Record<string, { file: string }>;
}

const root = join(__dirname, '..', '..');
const compose = load(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as ComposeFile;
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const service = compose.services.ca;

describe('docker-compose.yml', () => {
  it('requires PUBLIC_BASE_URL instead of defaulting it', () => {
    expect(service.environment?.PUBLIC_BASE_URL).toMatch(/^\$\{PUBLIC_BASE_URL:\?set PUBLIC_BASE_URL .+\}$/);
  });

  it('restarts both services unless stopped, and checks their health', () => {
    for (const name of ['ca', 'db']) {
      expect(compose.services[name].restart).toBe('unless-stopped');
      expect(compose.services[name].healthcheck?.test.length).toBeGreaterThan(0);
    }
    expect(service.healthcheck?.test.join(' ')).toContain("fetch('http://127.0.0.1:8000/status')");
    expect(compose.services.db.healthcheck?.test.join(' ')).toContain('pg_isready');
  });

  it('passes every secret as a file, none as a value', () => {
    const environment = service.environment ?? {};
    for (const name of SECRET_VARIABLES) {
      expect(environment[name]).toBeUndefined();
      const path = environment[`${name}_FILE`];
      const secret = path?.replace(/^\/run\/secrets\//, '') ?? '';
      expect(service.secrets).toContain(secret);
      expect(compose.secrets[secret].file).toBe(`./secrets/${secret}`);
    }
    expect(compose.services.db.environment?.POSTGRES_PASSWORD).toBeUndefined();
    expect(compose.services.db.environment?.POSTGRES_PASSWORD_FILE).toBe('/run/secrets/postgres_password');
  });
});

describe('Dockerfile', () => {
  it('builds and runs on a supported Node LTS (22 or later), with a health check', () => {
    const images = [...dockerfile.matchAll(/^FROM node:(\d+)/gm)].map((match) => Number(match[1]));
    expect(images.length).toBe(2);
    for (const major of images) expect(major).toBeGreaterThanOrEqual(22);
    expect(dockerfile).toMatch(/^HEALTHCHECK [\s\S]*?\/status/m);
    expect(dockerfile).not.toMatch(/PUBLIC_BASE_URL=/);
  });

  it('never copies the secrets directory into the image', () => {
    expect(readFileSync(join(root, '.dockerignore'), 'utf8').split('\n')).toContain('secrets');
  });
});
