/**
 * @module Edits of real binary-XML manifests for tests: the same document with its string pool re-encoded as UTF-8
 * (aapt writes manifests in UTF-16; other toolchains use UTF-8), and offsets of the chunks to damage on purpose.
 */

/** The chunks of a binary XML document after its header: offset, type and size of each. */
export function chunks(doc: Buffer): { at: number; type: number; headerSize: number; size: number }[] {
  const out = [];
  for (let at = doc.readUInt16LE(2); at < doc.length; ) {
    const c = { at, type: doc.readUInt16LE(at), headerSize: doc.readUInt16LE(at + 2), size: doc.readUInt32LE(at + 4) };
    out.push(c);
    at += c.size;
  }
  return out;
}

function lengthBytes(n: number): Buffer {
  return n > 0x7f ? Buffer.from([0x80 | (n >> 8), n & 0xff]) : Buffer.from([n]);
}

/** The document with its UTF-16 string pool rewritten as UTF-8 (no styles), every other chunk unchanged. */
export function withUtf8Pool(doc: Buffer): Buffer {
  const pool = chunks(doc).find((c) => c.type === 0x0001)!;
  const count = doc.readUInt32LE(pool.at + 8);
  const start = pool.at + doc.readUInt32LE(pool.at + 20);
  const strings: string[] = [];
  for (let i = 0; i < count; i++) {
    const p = start + doc.readUInt32LE(pool.at + pool.headerSize + i * 4);
    const len = doc.readUInt16LE(p); // manifests' strings are short: no 0x8000 continuation
    strings.push(doc.toString('utf16le', p + 2, p + 2 + len * 2));
  }
  const bodies = strings.map((s) => {
    const bytes = Buffer.from(s, 'utf8');
    return Buffer.concat([lengthBytes(s.length), lengthBytes(bytes.length), bytes, Buffer.from([0])]);
  });
  const offsets = Buffer.alloc(count * 4);
  let o = 0;
  bodies.forEach((b, i) => {
    offsets.writeUInt32LE(o, i * 4);
    o += b.length;
  });
  let data = Buffer.concat(bodies);
  if (data.length % 4) data = Buffer.concat([data, Buffer.alloc(4 - (data.length % 4))]);
  const header = Buffer.alloc(28);
  header.writeUInt16LE(0x0001, 0);
  header.writeUInt16LE(28, 2);
  header.writeUInt32LE(28 + offsets.length + data.length, 4);
  header.writeUInt32LE(count, 8);
  header.writeUInt32LE(0, 12);
  header.writeUInt32LE(0x100, 16);
  header.writeUInt32LE(28 + offsets.length, 20);
  header.writeUInt32LE(0, 24);
  const rest = doc.subarray(pool.at + pool.size);
  const out = Buffer.concat([doc.subarray(0, 8), header, offsets, data, rest]);
  out.writeUInt32LE(out.length, 4);
  return out;
}
