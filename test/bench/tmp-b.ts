import { breakdown, TOKEN_REQUEST_WORK } from './cpu-profile.ts';
for (const f of process.argv.slice(2)) console.log(f, Object.entries(breakdown(f, TOKEN_REQUEST_WORK)).map(([k, v]) => `${k} ${(v * 100).toFixed(1)}%`).join(' | '));
