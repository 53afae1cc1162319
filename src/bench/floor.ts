/** The benchmark floor: a bare JSON.parse of every export file (what any importer must at least do). */
import { readFileSync } from 'node:fs';
import { expandFiles } from '../util/glob.js';

const dir = process.argv[2]!;
const started = performance.now();
const cpu0 = process.cpuUsage();
let rows = 0;
for (const file of expandFiles(dir, process.cwd())) {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { data: unknown[] };
  rows += doc.data.length;
}
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(`${JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, systemMs: cpu.system / 1000, rows, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
