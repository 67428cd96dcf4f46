/** Runs `fn` now and then every `intervalMs` after each run ends; runs never overlap. `stop()` awaits the last run. */
export interface Periodic {
  stop(): Promise<void>;
}

export function runPeriodically(intervalMs: number, fn: () => Promise<void>, onError: (err: unknown) => void): Periodic {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  const run = (): void => {
    timer = null;
    if (stopped) return;
    running = fn()
      .catch(onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(run, intervalMs);
      });
  };
  run();
  return {
    async stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      await running;
    },
  };
}
