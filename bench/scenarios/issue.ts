import { nodeKeyGenerationRate } from '../baselines/native-rates';
import type { NativeKeyType } from '../baselines/native-rates';
import { jsonPost } from '../lib/load';
import { LEAF_NAME } from '../lib/pki-files';
import { median, ratio } from '../lib/stats';
import { LOAD_COLUMNS, loadCells, rateOnlyCells, summarise } from '../lib/summary';
import { note, printTable } from '../lib/table';
import type { BenchContext } from './context';
import { cfsslContenders, cfsslNotes, checkRatio, interleaved, probe, RunBook } from './shared';
import type { Contender } from './shared';

const CONNECTIONS = 8;

interface LeafKind {
  kind: 'rsa' | 'ec';
  label: string;
  native: NativeKeyType;
  ours: { key_type: 'rsa' | 'ec'; key_size: number };
  cfssl: { algo: 'rsa' | 'ecdsa'; size: number };
  target: number;
}

const LEAVES: readonly LeafKind[] = [
  {
    kind: 'rsa',
    label: 'RSA-2048',
    native: 'rsa2048',
    ours: { key_type: 'rsa', key_size: 2048 },
    cfssl: { algo: 'rsa', size: 2048 },
    target: 0.8,
  },
  {
    kind: 'ec',
    label: 'EC P-256',
    native: 'ecp256',
    ours: { key_type: 'ec', key_size: 256 },
    cfssl: { algo: 'ecdsa', size: 256 },
    target: 1.0,
  },
];

async function issueLeaf(ctx: BenchContext, leaf: LeafKind): Promise<void> {
  const { options, report, host } = ctx;
  // The leaf is signed by a CA of its own family on both sides: RSA-4096 for RSA, P-256 for EC.
  const ca = leaf.kind === 'rsa' ? ctx.fixtures.rsaCa : ctx.fixtures.ecCa;
  const pair = ctx.cfssl ? ctx.cfssl[leaf.kind] : null;
  const ours: Contender = {
    key: 'ours',
    label: `ours (${host.databaseLabel})`,
    baseUrl: host.app.baseUrl,
    pid: host.app.pid,
    request: jsonPost(
      `/api/v1/certificates/?ca_id=${ca.id}`,
      { common_name: LEAF_NAME, subject_dn: 'O=Bench', certificate_type: 'server', ...leaf.ours },
      ctx.api.accessToken,
    ),
  };
  const cfsslRequest = jsonPost('/api/v1/cfssl/newcert', {
    request: { CN: LEAF_NAME, hosts: [LEAF_NAME], key: leaf.cfssl },
  });
  const everyone = [ours, ...cfsslContenders(pair, cfsslRequest)];
  for (const contender of everyone) await probe(contender.baseUrl, contender.request);

  const native = new RunBook<number>();
  const nativeSeconds = Math.max(1, Math.round(options.durationSeconds / 2));
  const loads = await interleaved(
    options.runs,
    options.durationSeconds,
    [CONNECTIONS],
    everyone,
    async () => {
      native.add('2', await nodeKeyGenerationRate(leaf.native, 2, nativeSeconds));
    },
  );
  const keygen = median(native.get('2'));
  const cfssl = summarise(loads.get(`cfssl@${CONNECTIONS}`)).requestsPerSecond;
  const cfsslDb = summarise(loads.get(`cfssl-db@${CONNECTIONS}`)).requestsPerSecond;
  const rows = everyone.map((contender) => {
    const summary = summarise(loads.get(`${contender.key}@${CONNECTIONS}`));
    const isOurs = contender.key === 'ours';
    return [
      `${contender.label} c=${CONNECTIONS}`,
      ...loadCells(summary),
      ratio(summary.requestsPerSecond, keygen),
      isOurs ? ratio(summary.requestsPerSecond, cfssl) : '',
      isOurs ? ratio(summary.requestsPerSecond, cfsslDb) : '',
    ];
  });
  rows.push([`Node generateKeyPair ${leaf.label}, 2 parallel`, ...rateOnlyCells(keygen), '1.00×', '', '']);
  printTable(
    `2. issue with a server-side ${leaf.label} key under the ${ca.keyType === 'rsa' ? `RSA-${ca.keySize}` : 'EC P-256'} CA (${options.runs} runs × ${options.durationSeconds} s, medians)`,
    ['contender', ...LOAD_COLUMNS, '× Node keygen', '× cfssl', '× cfssl+db'],
    rows,
  );
  note(
    'cfssl: POST /api/v1/cfssl/newcert with the same key type; ours keeps the key (sealed) as by default.',
  );
  cfsslNotes(ctx, pair);
  const oursSummary = summarise(loads.get(`ours@${CONNECTIONS}`));
  const name = `issue ${leaf.label} (${host.databaseLabel})`;
  checkRatio(report, `${name} / cfssl newcert no storage`, oursSummary, cfssl, leaf.target);
  checkRatio(report, `${name} / cfssl newcert + PostgreSQL certdb`, oursSummary, cfsslDb, leaf.target);
}

export async function issueScenario(ctx: BenchContext): Promise<void> {
  for (const leaf of LEAVES) await issueLeaf(ctx, leaf);
}
