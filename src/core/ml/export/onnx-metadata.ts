// Reads and sets ModelProto.metadata_props at the protobuf wire level, so every other byte of the model is kept as it was.
import { DfpError } from '../../errors.ts';

/** onnx.proto: ModelProto.metadata_props = 14 (StringStringEntryProto: key = 1, value = 2). */
const METADATA_FIELD = 14;
const LEN = 2;

function readVarint(b: Uint8Array, pos: number): [number, number] {
  let v = 0;
  let mul = 1;
  for (let i = pos; i < b.length; i++) {
    const byte = b[i] as number;
    v += (byte & 0x7f) * mul;
    if (byte < 0x80) return [v, i + 1];
    mul *= 128;
  }
  throw new DfpError('INPUT_INVALID', 'truncated ONNX model (a varint runs past the end)');
}

function writeVarint(v: number, out: number[]): void {
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

interface Field { field: number; wire: number; start: number; end: number; body?: [number, number] }

/** Splits a message into its top-level fields (start/end cover the tag too). */
function fields(b: Uint8Array): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < b.length) {
    const start = pos;
    const [tag, p1] = readVarint(b, pos);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    let end: number;
    let body: [number, number] | undefined;
    if (wire === 0) end = readVarint(b, p1)[1];
    else if (wire === 1) end = p1 + 8;
    else if (wire === 5) end = p1 + 4;
    else if (wire === LEN) {
      const [len, p2] = readVarint(b, p1);
      end = p2 + len;
      body = [p2, end];
    } else throw new DfpError('INPUT_INVALID', `not an ONNX model: unsupported protobuf wire type ${wire} at byte ${start}`);
    if (end > b.length) throw new DfpError('INPUT_INVALID', 'truncated ONNX model (a field runs past the end)');
    out.push({ field, wire, start, end, body });
    pos = end;
  }
  return out;
}

function entryOf(b: Uint8Array, body: [number, number]): { key: string; value: string } {
  const sub = b.subarray(body[0], body[1]);
  let key = '';
  let value = '';
  for (const f of fields(sub)) {
    if (f.wire !== LEN || !f.body) continue;
    const s = new TextDecoder().decode(sub.subarray(f.body[0], f.body[1]));
    if (f.field === 1) key = s;
    else if (f.field === 2) value = s;
  }
  return { key, value };
}

function lenField(field: number, payload: Uint8Array, out: number[]): void {
  writeVarint(field * 8 + LEN, out);
  writeVarint(payload.length, out);
  for (const x of payload) out.push(x);
}

/** metadata_props of an ONNX model as a plain object. */
export function readMetadataProps(model: Uint8Array): Record<string, string> {
  const res: Record<string, string> = {};
  for (const f of fields(model)) {
    if (f.field === METADATA_FIELD && f.body) {
      const e = entryOf(model, f.body);
      res[e.key] = e.value;
    }
  }
  return res;
}

/** Returns the model with `props` set in metadata_props: same-named entries are replaced (the checker rejects duplicate keys). */
export function setMetadataProps(model: Uint8Array, props: Record<string, string>): Uint8Array {
  const drop = new Set(Object.keys(props));
  const kept: Uint8Array[] = [];
  for (const f of fields(model)) {
    if (f.field === METADATA_FIELD && f.body && drop.has(entryOf(model, f.body).key)) continue;
    kept.push(model.subarray(f.start, f.end));
  }
  const extra: number[] = [];
  const enc = new TextEncoder();
  for (const [k, v] of Object.entries(props)) {
    const entry: number[] = [];
    lenField(1, enc.encode(k), entry);
    lenField(2, enc.encode(v), entry);
    lenField(METADATA_FIELD, Uint8Array.from(entry), extra);
  }
  const total = kept.reduce((a, p) => a + p.length, 0) + extra.length;
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of kept) {
    out.set(p, off);
    off += p.length;
  }
  out.set(extra, off);
  return out;
}
