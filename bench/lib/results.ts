/**
 * @module Writes benchmark results to bench/RESULTS.md: one `## <name>` section per benchmark, replaced
 * on each run, stamped with the date and the machine it ran on.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';

export const RESULTS_FILE = resolve(import.meta.dirname, '../RESULTS.md');

export function machineLine(): string {
  const cpu = cpus();
  // The load average says whether other work shared the machine while the figures were taken.
  return `${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${process.platform}/${process.arch}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} when written`;
}

/** Replaces (or appends) the section `## name` with `body`, adding the date and machine. */
export function writeSection(name: string, body: string, file = RESULTS_FILE): void {
  const header = '# Benchmark results\n\nEach section is rewritten by its benchmark script; the date and machine say where the figures come from.\n';
  const text = existsSync(file) ? readFileSync(file, 'utf8') : header;
  const section = `## ${name}\n\n_Run ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} on ${machineLine()}._\n\n${body.trim()}\n`;
  const start = text.indexOf(`\n## ${name}\n`);
  let next: string;
  if (start < 0) next = `${text.trimEnd()}\n\n${section}`;
  else {
    const end = text.indexOf('\n## ', start + 1);
    next = `${text.slice(0, start)}\n${section}${end < 0 ? '' : `\n${text.slice(end + 1)}`}`;
  }
  writeFileSync(file, next.endsWith('\n') ? next : `${next}\n`);
}

/** A Markdown table from rows of cells. */
export function markdownTable(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

export function formatRate(n: number): string {
  return n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0);
}
