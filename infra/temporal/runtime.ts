import { DefaultLogger, Runtime } from '@temporalio/worker';

let configured = false;

/**
 * The SDK's core runtime logs at INFO by default, a webpack report included. Install ours, at WARN unless
 * `$FIREPOND_LOG_LEVEL` says otherwise, before anything creates the runtime (a NativeConnection does).
 */
export function configureTemporalRuntime(): void {
  if (configured) return;
  configured = true;
  const level = (process.env['FIREPOND_LOG_LEVEL'] ?? 'WARN').toUpperCase() as 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  try {
    Runtime.install({ logger: new DefaultLogger(level) });
  } catch {
    /* a runtime already exists (installed by the embedding application): keep its settings */
  }
}
