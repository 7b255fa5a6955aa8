/**
 * @module Android's binary XML (AXML), as `aapt` writes AndroidManifest.xml into an APK, decoded into a small
 * element tree. The format is the one of AOSP's `libs/androidfw/include/androidfw/ResourceTypes.h`: a chunk
 * `RES_XML_TYPE` holding a string pool (UTF-8 or UTF-16), an optional resource map (string index → attribute
 * resource id), then start/end namespace, start/end element and CDATA chunks.
 *
 * The input is hostile by assumption (malware bends the format to confuse analysers), so every size, offset and
 * string index is checked before it is used, and a violation is an `AxmlError` saying what and where, never a
 * crash or an endless loop: each chunk must advance the cursor, nesting is bounded, and an end tag must close the
 * element it names. Tricks Android itself accepts are accepted too: a header size larger than the struct, unknown
 * chunk types (skipped), attribute names that are empty or garbled but carry a resource id (see `AxmlAttribute`).
 */

/** A decoding failure: what is wrong and the byte offset where it was found. */
export class AxmlError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(`${message} (at byte ${offset})`);
    this.name = 'AxmlError';
    this.offset = offset;
  }
}

export interface AxmlAttribute {
  /** Namespace URI ('' when none). */
  ns: string;
  /** Name as written in the string pool; may be empty or misleading in obfuscated APKs. */
  name: string;
  /** Android attribute resource id from the resource map (e.g. 0x01010003 for android:name), or 0. */
  resId: number;
  /** Value: a string, a number (ints, flags, references), a boolean, or null. */
  value: string | number | boolean | null;
  /** Res_value data type (ResourceTypes.h `Res_value::TYPE_*`). */
  type: number;
}

export interface AxmlElement {
  ns: string;
  name: string;
  attrs: AxmlAttribute[];
  children: AxmlElement[];
}

export interface AxmlLimits {
  /** Deepest element nesting accepted (a manifest is about 5 deep). */
  maxDepth: number;
  /** Most elements accepted in one document. */
  maxElements: number;
  /** Most strings in the pool. */
  maxStrings: number;
}

export const DEFAULT_AXML_LIMITS: AxmlLimits = { maxDepth: 64, maxElements: 500_000, maxStrings: 1_000_000 };

const RES_STRING_POOL_TYPE = 0x0001;
const RES_XML_TYPE = 0x0003;
const RES_XML_START_NAMESPACE_TYPE = 0x0100;
const RES_XML_END_NAMESPACE_TYPE = 0x0101;
const RES_XML_START_ELEMENT_TYPE = 0x0102;
const RES_XML_END_ELEMENT_TYPE = 0x0103;
const RES_XML_RESOURCE_MAP_TYPE = 0x0180;
const UTF8_FLAG = 0x100;
const NO_INDEX = 0xffffffff;

/** Res_value types dfp interprets; others keep their raw number. */
export const TYPE_REFERENCE = 0x01;
export const TYPE_STRING = 0x03;
export const TYPE_INT_DEC = 0x10;
export const TYPE_INT_HEX = 0x11;
export const TYPE_INT_BOOLEAN = 0x12;

/** True when the bytes start like a binary XML document (and not, say, a text `<?xml`). */
export function looksLikeAxml(buf: Uint8Array): boolean {
  return buf.length >= 8 && (buf[0]! | (buf[1]! << 8)) === RES_XML_TYPE;
}

/** Lazily decoded string pool: strings are read when first asked for, then cached. */
class StringPool {
  private readonly cache = new Map<number, string>();
  constructor(
    private readonly buf: Buffer,
    private readonly offsets: number,
    readonly count: number,
    private readonly stringsStart: number,
    private readonly end: number,
    private readonly utf8: boolean,
  ) {}

  get(index: number, at: number): string {
    if (index === NO_INDEX) return '';
    if (index >= this.count) throw new AxmlError(`string index ${index} out of range (the pool has ${this.count} strings)`, at);
    const hit = this.cache.get(index);
    if (hit !== undefined) return hit;
    const rel = this.buf.readUInt32LE(this.offsets + index * 4);
    let p = this.stringsStart + rel;
    if (p >= this.end || p < this.stringsStart) throw new AxmlError(`string ${index} starts outside the string pool`, this.offsets + index * 4);
    let s: string;
    if (this.utf8) {
      // two lengths: UTF-16 units (skipped) then UTF-8 bytes, each 1 or 2 bytes with a high-bit continuation
      p += (this.u8(p) & 0x80) !== 0 ? 2 : 1;
      let len = this.u8(p);
      if ((len & 0x80) !== 0) {
        len = ((len & 0x7f) << 8) | this.u8(p + 1);
        p += 2;
      } else p += 1;
      if (p + len > this.end) throw new AxmlError(`string ${index} runs past the end of the string pool`, p);
      s = this.buf.toString('utf8', p, p + len);
    } else {
      let len = this.u16(p);
      if ((len & 0x8000) !== 0) {
        len = ((len & 0x7fff) << 16) | this.u16(p + 2);
        p += 4;
      } else p += 2;
      if (p + len * 2 > this.end) throw new AxmlError(`string ${index} runs past the end of the string pool`, p);
      s = this.buf.toString('utf16le', p, p + len * 2);
    }
    this.cache.set(index, s);
    return s;
  }

  private u8(p: number): number {
    if (p >= this.end) throw new AxmlError('string length runs past the end of the string pool', p);
    return this.buf[p]!;
  }

  private u16(p: number): number {
    if (p + 2 > this.end) throw new AxmlError('string length runs past the end of the string pool', p);
    return this.buf.readUInt16LE(p);
  }
}

function chunkAt(buf: Buffer, at: number, end: number): { type: number; headerSize: number; size: number } {
  if (at + 8 > end) throw new AxmlError(`chunk header needs 8 bytes, ${end - at} left`, at);
  const type = buf.readUInt16LE(at);
  const headerSize = buf.readUInt16LE(at + 2);
  const size = buf.readUInt32LE(at + 4);
  if (headerSize < 8) throw new AxmlError(`chunk 0x${type.toString(16)} has header size ${headerSize} (at least 8)`, at);
  // size < 8 would never advance the cursor: the "cycle" a hostile file uses to hang a parser
  if (size < headerSize) throw new AxmlError(`chunk 0x${type.toString(16)} has size ${size}, smaller than its header (${headerSize})`, at);
  if (at + size > end) throw new AxmlError(`chunk 0x${type.toString(16)} has size ${size}, past the end of its parent (${end - at} bytes left)`, at);
  return { type, headerSize, size };
}

function readStringPool(buf: Buffer, at: number, headerSize: number, size: number, limits: AxmlLimits): StringPool {
  if (headerSize < 28) throw new AxmlError(`string pool header is ${headerSize} bytes (28 expected)`, at);
  const count = buf.readUInt32LE(at + 8);
  const styleCount = buf.readUInt32LE(at + 12);
  const flags = buf.readUInt32LE(at + 16);
  const stringsStart = buf.readUInt32LE(at + 20);
  if (count > limits.maxStrings) throw new AxmlError(`string pool declares ${count} strings (limit ${limits.maxStrings})`, at);
  const offsets = at + headerSize;
  if (offsets + (count + styleCount) * 4 > at + size) throw new AxmlError(`string pool declares ${count} strings and ${styleCount} styles, more than its ${size} bytes hold`, at);
  if (count > 0 && (stringsStart === 0 || stringsStart >= size)) throw new AxmlError(`string pool's strings start at ${stringsStart}, outside its ${size} bytes`, at);
  return new StringPool(buf, offsets, count, at + stringsStart, at + size, (flags & UTF8_FLAG) !== 0);
}

function attrValue(buf: Buffer, p: number, pool: StringPool): { value: AxmlAttribute['value']; type: number } {
  const raw = buf.readUInt32LE(p + 8);
  const type = buf[p + 15]!;
  const data = buf.readUInt32LE(p + 16);
  if (raw !== NO_INDEX) return { value: pool.get(raw, p + 8), type: TYPE_STRING };
  switch (type) {
    case TYPE_STRING: return { value: pool.get(data, p + 16), type };
    case TYPE_INT_BOOLEAN: return { value: data !== 0, type };
    case 0x00: return { value: null, type };
    case TYPE_INT_DEC: return { value: data | 0, type };
    default: return { value: data, type };
  }
}

/**
 * Decodes a binary XML document into its root element. Throws `AxmlError` on anything malformed.
 * Namespace declarations are not kept as nodes: every element and attribute carries its namespace URI.
 */
export function decodeAxml(bytes: Uint8Array, limits: AxmlLimits = DEFAULT_AXML_LIMITS): AxmlElement {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!looksLikeAxml(buf)) throw new AxmlError('not binary XML (the first chunk is not RES_XML_TYPE)', 0);
  const doc = chunkAt(buf, 0, buf.length);
  const end = doc.size;
  let pool: StringPool | undefined;
  let resMap: Uint32Array = new Uint32Array(0);
  const root: AxmlElement = { ns: '', name: '#document', attrs: [], children: [] };
  const stack: AxmlElement[] = [root];
  let elements = 0;
  let at = doc.headerSize;
  while (at < end) {
    const c = chunkAt(buf, at, end);
    switch (c.type) {
      case RES_STRING_POOL_TYPE:
        if (pool) throw new AxmlError('a second string pool', at);
        pool = readStringPool(buf, at, c.headerSize, c.size, limits);
        break;
      case RES_XML_RESOURCE_MAP_TYPE: {
        const n = (c.size - c.headerSize) >>> 2;
        resMap = new Uint32Array(n);
        for (let i = 0; i < n; i++) resMap[i] = buf.readUInt32LE(at + c.headerSize + i * 4);
        break;
      }
      case RES_XML_START_NAMESPACE_TYPE:
      case RES_XML_END_NAMESPACE_TYPE:
        break;
      case RES_XML_START_ELEMENT_TYPE: {
        if (!pool) throw new AxmlError('an element before the string pool', at);
        const ext = at + c.headerSize;
        if (ext + 20 > at + c.size) throw new AxmlError(`start element chunk of ${c.size} bytes is too small for its 20-byte body`, at);
        const el: AxmlElement = { ns: pool.get(buf.readUInt32LE(ext), ext), name: pool.get(buf.readUInt32LE(ext + 4), ext + 4), attrs: [], children: [] };
        const attrStart = buf.readUInt16LE(ext + 8);
        const attrSize = buf.readUInt16LE(ext + 10);
        const attrCount = buf.readUInt16LE(ext + 12);
        if (attrCount > 0 && attrSize < 20) throw new AxmlError(`attribute size ${attrSize} (at least 20)`, ext + 10);
        if (ext + attrStart + attrCount * attrSize > at + c.size) throw new AxmlError(`element <${el.name}> declares ${attrCount} attributes, past the end of its chunk`, at);
        for (let i = 0; i < attrCount; i++) {
          const p = ext + attrStart + i * attrSize;
          const nameIndex = buf.readUInt32LE(p + 4);
          const { value, type } = attrValue(buf, p, pool);
          el.attrs.push({ ns: pool.get(buf.readUInt32LE(p), p), name: pool.get(nameIndex, p + 4), resId: nameIndex < resMap.length ? resMap[nameIndex]! : 0, value, type });
        }
        if (++elements > limits.maxElements) throw new AxmlError(`more than ${limits.maxElements} elements`, at);
        if (stack.length > limits.maxDepth) throw new AxmlError(`elements nested deeper than ${limits.maxDepth}`, at);
        stack[stack.length - 1]!.children.push(el);
        stack.push(el);
        break;
      }
      case RES_XML_END_ELEMENT_TYPE: {
        if (!pool) throw new AxmlError('an end tag before the string pool', at);
        const ext = at + c.headerSize;
        if (ext + 8 > at + c.size) throw new AxmlError(`end element chunk of ${c.size} bytes is too small for its body`, at);
        const name = pool.get(buf.readUInt32LE(ext + 4), ext + 4);
        const open = stack.pop();
        if (!open || open === root) throw new AxmlError(`end tag </${name}> without a start tag`, at);
        if (open.name !== name) throw new AxmlError(`end tag </${name}> closes <${open.name}>`, at);
        break;
      }
      default:
        // CDATA and chunk types from newer toolchains carry nothing a manifest reading needs
        break;
    }
    at += c.size;
  }
  if (stack.length > 1) throw new AxmlError(`document ends inside <${stack[stack.length - 1]!.name}>`, end);
  const top = root.children[0];
  if (!top) throw new AxmlError('document has no element', end);
  return top;
}
