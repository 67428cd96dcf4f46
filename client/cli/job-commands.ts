import type { Command } from 'commander';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { connectClient } from '../../infra/temporal/index.ts';
import { progressQuery } from '../../workflows/messages.ts';
import { JOB_ID, JOB_STATUS } from '../../workflows/search-attributes.ts';
import type { CommonOptions } from './target.ts';
import { commandAddress } from './target.ts';

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n');
}

function when(d: Date | undefined): string {
  return d === undefined ? '-' : d.toISOString().replace('T', ' ').slice(0, 19);
}

function statusOf(info: Pick<WorkflowExecutionInfo, 'status'>): string {
  return info.status.name.toLowerCase();
}

export function registerJobCommands(program: Command): void {
  const job = program.command('job').description('smallpond jobs on the Temporal server');

  job.command('list')
    .description('list smallpond jobs, newest first')
    .option('--data-dir <dir>', 'Firepond data directory')
    .option('--address <host:port>', 'Temporal frontend')
    .option('--namespace <ns>', 'Temporal namespace', 'default')
    .option('--limit <n>', 'at most this many jobs', '20')
    .option('--job <id>', 'only the actions of this session job id')
    .action(async (opts: CommonOptions & { limit: string; job?: string }) => {
      const handle = await connectClient(commandAddress(opts), opts.namespace);
      try {
        let query = 'SmallpondKind = "pipeline"';
        if (opts.job !== undefined) query += ` AND SmallpondJobId = "${opts.job.replace(/"/g, '')}"`;
        const rows: string[][] = [['WORKFLOW ID', 'STATUS', 'STARTED', 'CLOSED']];
        for await (const info of handle.client.workflow.list({ query, pageSize: 100 })) {
          rows.push([info.workflowId, statusOf(info), when(info.startTime), when(info.closeTime)]);
          if (rows.length > Number(opts.limit)) break;
        }
        console.log(rows.length === 1 ? 'no smallpond jobs yet' : table(rows));
      } finally {
        await handle.close();
      }
    });

  job.command('show <id>')
    .description('status, plan and stages of one job (id as `smallpond/<job>` or `<job>`)')
    .option('--data-dir <dir>', 'Firepond data directory')
    .option('--address <host:port>', 'Temporal frontend')
    .option('--namespace <ns>', 'Temporal namespace', 'default')
    .action(async (id: string, opts: CommonOptions) => {
      const workflowId = id.startsWith('smallpond/') ? id : `smallpond/${id}`;
      const handle = await connectClient(commandAddress(opts), opts.namespace);
      try {
        const wf = handle.client.workflow.getHandle(workflowId);
        const d = await wf.describe();
        console.log(`${workflowId}  ${statusOf(d)}`);
        console.log(`job id:  ${d.typedSearchAttributes.get(JOB_ID) ?? '-'}   status: ${d.typedSearchAttributes.get(JOB_STATUS) ?? '-'}`);
        console.log(`started: ${when(d.startTime)}   closed: ${when(d.closeTime)}`);
        const meta = await d.staticDetails?.();
        if (meta !== undefined) console.log(`\n${meta}`);
        try {
          const p = await wf.query(progressQuery);
          console.log(`\nprogress: stage ${p.stagesDone}/${p.stagesTotal} · ${p.tasksDone}/${p.tasksTotal} tasks`);
        } catch {
          /* no worker to answer the query: skip live progress */
        }
        const rows: string[][] = [['STAGE WORKFLOW', 'STATUS', 'STARTED', 'CLOSED']];
        for await (const info of handle.client.workflow.list({ query: `ParentWorkflowId = "${workflowId}"` })) {
          rows.push([info.workflowId, statusOf(info), when(info.startTime), when(info.closeTime)]);
        }
        rows.splice(1, rows.length - 1, ...rows.slice(1).sort((a, b) => a[0]!.localeCompare(b[0]!, undefined, { numeric: true })));
        console.log(`\n${table(rows)}`);
      } finally {
        await handle.close();
      }
    });
}
