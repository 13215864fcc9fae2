#!/usr/bin/env node
// The CLI is compiled to dist/ and bundled into dist/bundle/ by `npm run build` (run by `npm install` via `prepare`).
import '../dist/bundle/main.js';
