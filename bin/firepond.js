#!/usr/bin/env node
// The `firepond` command: runs the TypeScript CLI through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../client/cli/main.ts');
