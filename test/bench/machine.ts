// The machine a benchmark ran on, for the table's heading: a figure means little without it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  /** 1-minute load average when the benchmark started and ended: how shared the machine was. */
  loadAtStart: number;
  loadAtEnd?: number;
  commit: string;
  date: string;
}

export function describeMachine(root: string): Machine {
  let cpuModel = 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
  } catch {
    // not Linux
  }
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    if (execFileSync('git', ['status', '--porcelain', '--', 'server', 'extension'], { cwd: root, encoding: 'utf8' }).trim()) commit += '+changes';
  } catch {
    // not a git checkout
  }
  return {
    cpus: availableParallelism(),
    cpuModel,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAtStart: loadavg()[0]!,
    commit,
    date: new Date().toISOString(),
  };
}

export const currentLoad = (): number => loadavg()[0]!;
