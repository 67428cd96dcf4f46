/**
 * `npm run demo`: the main job on a fresh machine. Starts (or reuses) the local Temporal dev server with its Web UI,
 * generates a page-view dataset as Parquet, and runs a multi-stage smallpond pipeline through Temporal:
 *
 *   read 8 Parquet files ─▶ hash-repartition by domain into 4 ─▶ per-partition SQL aggregate ─▶ write Parquet
 *
 * then prints a summary and the Web UI link to the job. The server keeps running (`firepond down` stops it).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { openDuckDB, sqlString } from '../infra/duckdb/index.ts';
import { resolveDataDir } from '../infra/temporal/index.ts';
import { init } from '../client/smallpond/index.ts';

const ROWS_PER_FILE = 250_000;
const FILES = 8;

async function generate(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const db = await openDuckDB({ threads: 2, memoryLimit: '1GB' });
  try {
    for (let f = 0; f < FILES; f++) {
      const path = join(dir, `views-${f}.parquet`);
      await db.connection.run(`
        COPY (
          SELECT
            'site' || (hash(i * 7 + ${f}) % 50) || '.example' AS domain,
            '/page/' || (hash(i) % 1000) AS path,
            (hash(i * 31 + ${f}) % 200000)::BIGINT AS bytes,
            (hash(i * 17 + ${f}) % 3000)::INTEGER AS latency_ms,
            TIMESTAMP '2026-11-01' + INTERVAL (i % 86400) SECOND AS ts
          FROM range(${f * ROWS_PER_FILE}, ${(f + 1) * ROWS_PER_FILE}) t(i)
        ) TO ${sqlString(path)} (FORMAT PARQUET, COMPRESSION ZSTD)`);
    }
  } finally {
    db.close();
  }
  return join(dir, '*.parquet');
}

const dataDir = resolveDataDir(null);
const demoDir = join(dataDir, 'demo');
console.log(`Firepond demo · data dir ${dataDir}`);
console.log(`1. generating ${FILES} Parquet files × ${ROWS_PER_FILE.toLocaleString()} page views …`);
const input = await generate(join(demoDir, 'input'));

console.log('2. starting the local Temporal dev server (or reusing it) and an in-process worker …');
const sp = await init({ dataDir, jobId: `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`, threads: 1 });
try {
  console.log(`3. running the pipeline as Temporal workflows (job ${sp.jobId}) …`);
  const started = Date.now();
  const views = sp.readParquet(input);
  const byDomain = views.repartition(4, { hashBy: 'domain' });
  const stats = sp.partialSql(
    `SELECT domain, count(*) AS views, sum(bytes) AS bytes, round(avg(latency_ms), 1) AS avg_latency_ms,
            quantile_cont(latency_ms, 0.99) AS p99_latency_ms
       FROM {0} GROUP BY domain ORDER BY views DESC`,
    byDomain,
  );
  const output = join(demoDir, 'output', sp.jobId);
  await stats.writeParquet(output);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);

  const result = sp.readParquet(join(output, '*.parquet'));
  const rows = await result.partialSort('views DESC').take(5);
  const total = await views.count();
  const domains = await result.count();
  console.log(`\n   ${total.toLocaleString()} page views → ${domains} domains in ${seconds} s; written to ${output}`);
  console.log('   busiest domains:');
  for (const r of rows) {
    console.log(`     ${String(r['domain']).padEnd(18)} ${String(r['views']).padStart(7)} views  ` +
      `${String(r['avg_latency_ms']).padStart(7)} ms avg  ${String(r['p99_latency_ms']).padStart(7)} ms p99`);
  }
  const ui = sp.uiUrl;
  if (ui !== null) {
    const id = encodeURIComponent(`smallpond/${sp.jobId}.1`);
    console.log(`\n4. see the job in the Temporal Web UI: ${ui}/namespaces/default/workflows/${id}`);
    console.log(`   all actions of this session: ${sp.jobsUrl}`);
  }
  console.log('\nThe dev server keeps running; `npx firepond down` (or `node bin/firepond.js down`) stops it.');
} finally {
  await sp.shutdown();
}
