import { EntityManager } from 'typeorm';
import { CertificateAuthority } from '../src/ca/certificate-authority.entity';
import {
  activeIssuerSql,
  CA_STATUS_SQL,
  caStatusOf,
  StoredCaStatus,
} from '../src/issuance/ca-signing-status';
import { applyRules, ISSUER_RULES } from '../src/issuance/issuance-pipeline';
import { IssuanceTemplate, issuingCaOf } from '../src/issuance/issuance-template';
import { startTestApp, TestApp } from './support/test-app';

const DAY_MS = 86_400_000;

/** A CA's signing facts, its dates in days from the database's now (null: the column is null). */
interface Case {
  name: string;
  status: StoredCaStatus;
  notBefore: number | null;
  notAfter: number | null;
  chainNotAfter?: number | null;
  allowLeafCerts?: boolean;
}

const CASES: Case[] = [
  { name: 'active', status: 'active', notBefore: -10, notAfter: 10 },
  { name: 'active, starting this instant', status: 'active', notBefore: 0, notAfter: 10 },
  { name: 'active, no leaves', status: 'active', notBefore: -10, notAfter: 10, allowLeafCerts: false },
  { name: 'disabled', status: 'disabled', notBefore: -10, notAfter: 10 },
  { name: 'revoked', status: 'revoked', notBefore: -10, notAfter: 10 },
  { name: 'pending', status: 'pending', notBefore: null, notAfter: null },
  { name: 'expired', status: 'active', notBefore: -10, notAfter: -1 },
  { name: 'expiring this instant', status: 'active', notBefore: -10, notAfter: 0 },
  { name: 'not yet valid', status: 'active', notBefore: 1, notAfter: 10 },
  { name: 'expired chain', status: 'active', notBefore: -10, notAfter: 10, chainNotAfter: -1 },
  { name: 'chain expiring this instant', status: 'active', notBefore: -10, notAfter: 10, chainNotAfter: 0 },
  { name: 'chain still valid', status: 'active', notBefore: -10, notAfter: 10, chainNotAfter: 5 },
  { name: 'disabled and expired', status: 'disabled', notBefore: -10, notAfter: -1 },
  { name: 'revoked and not yet valid', status: 'revoked', notBefore: 1, notAfter: 10 },
];

function leafOrCa(profile: 'server' | 'ca'): IssuanceTemplate {
  return {
    subject: [{ type: 'CN', value: 'table.example' }],
    san: { dns: ['table.example'], ip: [], email: [], uri: [] },
    certificateType: profile,
    keySpec: { type: 'ec', size: 256 },
    validDays: 1,
    pathLength: null,
    validity: null,
  };
}

function rulesAllow(ca: CertificateAuthority, profile: 'server' | 'ca', now: Date): boolean {
  try {
    applyRules(ISSUER_RULES, leafOrCa(profile), {
      issuer: issuingCaOf(ca),
      now,
      maxSans: 100,
      defaultValidDays: 1,
      profile: null,
    });
    return true;
  } catch {
    return false;
  }
}

describe('"may this CA sign now": the TypeScript rule and the SQL of the storing statement agree', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp();
  });

  afterAll(async () => {
    await testApp.close();
  });

  it('on every case (caStatusOf vs CA_STATUS_SQL, ISSUER_RULES vs activeIssuerSql, for leaves and CAs)', async () => {
    // One transaction: now() is its start, the same instant for every statement, so the boundaries are exact.
    const results = await testApp.dataSource.transaction(async (manager: EntityManager) => {
      const [{ now }] = await manager.query<{ now: Date }[]>('SELECT now() AS now');
      const dbNow = new Date(now);
      const at = (days: number | null | undefined) =>
        days === null || days === undefined ? null : new Date(dbNow.getTime() + days * DAY_MS);
      const rows = [];
      for (const [index, item] of CASES.entries()) {
        const ca = manager.create(CertificateAuthority, {
          name: `table-${index}`,
          subjectDn: `CN=table-${index}`,
          keyType: 'ec',
          keySize: 256,
          validDays: 10,
          status: item.status,
          notBefore: at(item.notBefore),
          notAfter: at(item.notAfter),
          issuerChainNotAfter: at(item.chainNotAfter),
          sealedPrivateKey: 'not a key',
          allowLeafCerts: item.allowLeafCerts ?? true,
        });
        await manager.save(ca);
        const [sql] = await manager.query<{ status: string }[]>(
          `SELECT ${CA_STATUS_SQL} AS status FROM certificate_authorities WHERE id = $1`,
          [ca.id],
        );
        const signs = async (leaves: boolean) =>
          (await manager.query(activeIssuerSql('$1', { leaves }), [ca.id])).length === 1;
        rows.push({
          name: item.name,
          typescript: {
            status: caStatusOf(ca, dbNow),
            leaf: rulesAllow(ca, 'server', dbNow),
            ca: rulesAllow(ca, 'ca', dbNow),
          },
          sql: { status: sql.status, leaf: await signs(true), ca: await signs(false) },
        });
      }
      return rows;
    });

    for (const row of results) expect({ [row.name]: row.sql }).toEqual({ [row.name]: row.typescript });
    const byName = Object.fromEntries(results.map((row) => [row.name, row.typescript]));
    // The table covers both answers of each question, so agreement is not agreement on a constant.
    expect(byName).toMatchObject({
      active: { status: 'active', leaf: true, ca: true },
      'active, no leaves': { status: 'active', leaf: false, ca: true },
      pending: { status: 'pending', leaf: false, ca: false },
      'expiring this instant': { status: 'expired', leaf: false },
      'not yet valid': { status: 'not_yet_valid', leaf: false },
      'chain expiring this instant': { status: 'expired', ca: false },
      'revoked and not yet valid': { status: 'revoked' },
    });
  });
});
