/**
 * Reading timings out of Temporal workflow histories, for the benchmarks. Event times are stamped by the server, so
 * intervals between two events of one history share a clock.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';

type History = Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>;
export type HistoryEvent = NonNullable<History['events']>[number];

/** Milliseconds since the epoch of an event's server timestamp (protobuf seconds + nanos). */
export function eventTimeMs(event: HistoryEvent): number {
  const ts = event.eventTime;
  if (ts === null || ts === undefined) return Number.NaN;
  const seconds = ts.seconds === null || ts.seconds === undefined ? 0 : typeof ts.seconds === 'number' ? ts.seconds : Number(ts.seconds.toString());
  return seconds * 1000 + (ts.nanos ?? 0) / 1e6;
}

export function eventIdOf(event: HistoryEvent): number {
  const id = event.eventId;
  return id === null || id === undefined ? 0 : typeof id === 'number' ? id : Number(id.toString());
}

/**
 * Every event of a workflow across its continue-as-new chain, oldest run first. `getHandle(id)` reaches the latest
 * run; each run's first event names the run it continued from.
 */
export async function fetchChainHistory(client: Client, workflowId: string): Promise<HistoryEvent[][]> {
  const runs: HistoryEvent[][] = [];
  let runId: string | undefined;
  for (;;) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    runs.unshift(events);
    const previous = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    if (previous === null || previous === undefined || previous === '') return runs;
    runId = previous;
  }
}

/** The id of the newest pipeline workflow of a job: `smallpond/<jobId>.<n>` with the largest n that exists. */
export async function latestPipelineId(client: Client, jobId: string): Promise<string | null> {
  let found: string | null = null;
  for (let seq = 1; ; seq++) {
    const id = `smallpond/${jobId}.${seq}`;
    try {
      await client.workflow.getHandle(id).describe();
      found = id;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return found;
      throw err;
    }
  }
}

export interface ChildTiming {
  readonly workflowId: string;
  /** Server time the child started, and closed (NaN while open). */
  readonly startedMs: number;
  readonly closedMs: number;
}

/** Start and close times of the child workflows of one workflow (the stages of a pipeline). */
export async function childTimings(client: Client, workflowId: string): Promise<ChildTiming[]> {
  const started = new Map<string, number>();
  const closed = new Map<string, number>();
  for (const events of await fetchChainHistory(client, workflowId)) {
    for (const e of events) {
      const s = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId;
      if (s !== null && s !== undefined) started.set(s, eventTimeMs(e));
      const c = e.childWorkflowExecutionCompletedEventAttributes?.workflowExecution?.workflowId
        ?? e.childWorkflowExecutionFailedEventAttributes?.workflowExecution?.workflowId;
      if (c !== null && c !== undefined) closed.set(c, eventTimeMs(e));
    }
  }
  return [...started].map(([id, t]) => ({ workflowId: id, startedMs: t, closedMs: closed.get(id) ?? Number.NaN }));
}

/** The value at quantile q (0..1) of numbers, nearest-rank; NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
