#!/usr/bin/env node
// labbench's executable: runs src/cli/main.ts in this process with tsx's loader, so scripts,
// `pnpm exec labbench …` and `npx labbench …` call labbench without pnpm's script lookup, and
// signals (^C, a CI timeout's SIGKILL) reach labbench itself, not a wrapper.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
