#!/usr/bin/env node
// The `rolodex` command: runs the TypeScript sources through tsx, so a fresh
// `npm install` is all a user needs (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
