/**
 * @module What this machine's CPU can run, read from /proc/cpuinfo, so a benchmark skips a contender the CPU
 * cannot execute (with a line saying why) instead of crashing, and names the CPU kind beside every figure.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

export interface CpuInfo {
  model: string;
  /** x86 family number (e.g. 25 = AMD Zen 3/4, 26 = Zen 5); undefined off Linux/x86. */
  family: number | undefined;
  flags: ReadonlySet<string>;
  cores: number;
}

export function cpuInfo(): CpuInfo {
  let info = '';
  try {
    info = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    // not Linux: no flags known, so nothing flag-dependent runs
  }
  const field = (name: string): string | undefined => new RegExp(`^${name}\\s*:\\s*(.+)$`, 'm').exec(info)?.[1]?.trim();
  const fam = field('cpu family');
  return {
    model: field('model name') ?? cpus()[0]?.model.trim() ?? 'unknown CPU',
    family: fam === undefined ? undefined : Number(fam),
    flags: new Set((field('flags') ?? '').split(/\s+/).filter(Boolean)),
    cores: cpus().length,
  };
}

/** The widest SIMD level the flags allow, as BLAS libraries choose kernels by it. */
export function simdLevel(c: CpuInfo): 'AVX-512' | 'AVX2+FMA' | 'AVX' | 'SSE' {
  if (c.flags.has('avx512f')) return 'AVX-512';
  if (c.flags.has('avx2') && c.flags.has('fma')) return 'AVX2+FMA';
  if (c.flags.has('avx')) return 'AVX';
  return 'SSE';
}

/** A short name for the CPU kind, e.g. "AMD EPYC, family 25, AVX2+FMA": results of different kinds are kept apart. */
export function cpuKind(c: CpuInfo = cpuInfo()): string {
  return `${c.model}${c.family === undefined ? '' : `, family ${c.family}`}, ${simdLevel(c)}`;
}

/** The SIMD flags that decide GEMM speed, as listed in results. */
export function simdFlags(c: CpuInfo = cpuInfo()): string {
  const wanted = ['sse4_2', 'avx', 'avx2', 'fma', 'f16c', 'avx512f', 'avx512bw', 'avx512vl', 'avx512_bf16', 'avx512_vnni', 'amx_tile'];
  return wanted.filter((f) => c.flags.has(f)).join(' ') || 'none known';
}
