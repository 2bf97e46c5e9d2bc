/*
 * Removes identifying metadata from JPEG, PNG and WebP images in the witness's browser, before sealing.
 *
 * Lossless and byte-level: the image data is never decoded or re-encoded. The file is read through small
 * Blob.slice() windows; the cleaned file is a new Blob made of slices of the original (plus a few bytes we
 * write), so a large image is never copied whole into JavaScript memory.
 *
 *   SafeIntakeMetadata.clean(file) → Promise<{
 *     blob,          the file to seal (the original when nothing was removed or cleaning was impossible)
 *     cleaned,       true when the format is one we clean and the result carries none of the metadata below
 *     removed,       ids of what was removed, in a fixed order: 'gps', 'camera', 'serial', 'owner', 'date',
 *                    'thumbnail', 'exif', 'xmp', 'iptc', 'comment', 'text', 'c2pa', 'trailing', 'other'
 *     kept,          ids of what was deliberately kept: 'icc' (colour profile), 'orientation'
 *     format,        'jpeg' | 'png' | 'webp' | null
 *     warning        null | 'cannot-clean' (not an image we can clean, or a damaged one: the original is returned)
 *   }>               never rejects
 *
 * Classic script in the page (global SafeIntakeMetadata); module.exports under Node for the tests.
 */
(function (root, factory) {
  'use strict';
  const api = factory();
  if (typeof module === 'object' && module && module.exports) {
    module.exports = api;
  } else {
    root.SafeIntakeMetadata = api;
  }
}(typeof globalThis !== 'undefined' ? globalThis : this, function () {
  'use strict';

  const WINDOW = 65536;
  const SCAN_WINDOW = 1048576;
  const ORDER = ['gps', 'camera', 'serial', 'owner', 'date', 'thumbnail', 'exif', 'xmp', 'iptc', 'comment',
    'text', 'c2pa', 'trailing', 'other'];

  // Thrown inside the parsers for any structural problem; clean() turns it into warning 'cannot-clean'.
  function Malformed() {}

  function ascii(bytes, start, length) {
    let s = '';
    const end = Math.min(bytes.length, start + length);
    for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]);
    return s;
  }

  function startsWith(bytes, text, at) {
    const offset = at || 0;
    if (bytes.length < offset + text.length) return false;
    for (let i = 0; i < text.length; i++) if (bytes[offset + i] !== text.charCodeAt(i)) return false;
    return true;
  }

  // Random access to a Blob through a cached window; `read` returns exactly `length` bytes or throws Malformed.
  function Reader(blob) {
    this.blob = blob;
    this.size = blob.size;
    this.start = 0;
    this.bytes = new Uint8Array(0);
  }

  Reader.prototype.read = async function (pos, length) {
    if (pos < 0 || length < 0 || pos + length > this.size) throw new Malformed();
    if (pos >= this.start && pos + length <= this.start + this.bytes.length) {
      return this.bytes.subarray(pos - this.start, pos - this.start + length);
    }
    const end = Math.min(this.size, pos + Math.max(length, WINDOW));
    const bytes = new Uint8Array(await this.blob.slice(pos, end).arrayBuffer());
    if (bytes.length !== end - pos) throw new Malformed(); // the file changed under us
    this.start = pos;
    this.bytes = bytes;
    return bytes.subarray(0, length);
  };

  // The output: ranges of the original and small byte arrays we wrote, in order.
  function Output() {
    this.parts = [];
  }

  Output.prototype.copy = function (start, end) {
    if (end <= start) return;
    const last = this.parts[this.parts.length - 1];
    if (last && !(last instanceof Uint8Array) && last.end === start) last.end = end;
    else this.parts.push({ start: start, end: end });
  };

  Output.prototype.write = function (bytes) {
    this.parts.push(bytes);
  };

  Output.prototype.toBlob = function (source, type) {
    return new Blob(this.parts.map(function (p) {
      return p instanceof Uint8Array ? p : source.slice(p.start, p.end);
    }), { type: type || '' });
  };

  // ---------------------------------------------------------------- Exif (TIFF structure)

  // Which identifying tags an Exif block holds, for the witness's summary; the whole block is removed whatever
  // this finds. Returns { labels: Set, orientation: 1..8 or 0 }. Never throws.
  function readExif(bytes) {
    const labels = new Set(['exif']);
    let orientation = 0;
    try {
      let base = 0;
      if (startsWith(bytes, 'Exif\u0000\u0000')) base = 6;
      const t = bytes.subarray(base);
      if (t.length < 8) return { labels: labels, orientation: 0 };
      const little = t[0] === 0x49 && t[1] === 0x49;
      if (!little && !(t[0] === 0x4d && t[1] === 0x4d)) return { labels: labels, orientation: 0 };
      const view = new DataView(t.buffer, t.byteOffset, t.byteLength);
      const u16 = function (o) { return view.getUint16(o, little); };
      const u32 = function (o) { return view.getUint32(o, little); };
      if (u16(2) !== 42) return { labels: labels, orientation: 0 };
      const visited = new Set();

      function walk(offset, kind) {
        if (offset < 8 || offset + 2 > t.length || visited.has(offset) || visited.size > 16) return 0;
        visited.add(offset);
        const count = u16(offset);
        if (offset + 2 + 12 * count + 4 > t.length) return 0;
        for (let i = 0; i < count; i++) {
          const e = offset + 2 + 12 * i;
          const tag = u16(e);
          if (kind === 'ifd0' || kind === 'ifd1') {
            if (tag === 0x010f || tag === 0x0110) labels.add('camera');
            else if (tag === 0x0132) labels.add('date');
            else if (tag === 0x013b || tag === 0x8298) labels.add('owner');
            else if (tag === 0x0112 && kind === 'ifd0' && u16(e + 2) === 3) orientation = u16(e + 8);
            else if (tag === 0x8769) walk(u32(e + 8), 'exif');
            else if (tag === 0x8825) walk(u32(e + 8), 'gps');
            else if (tag === 0x0201 || tag === 0x0111) labels.add('thumbnail');
          } else if (kind === 'exif') {
            if (tag === 0x9003 || tag === 0x9004 || tag === 0x9010 || tag === 0x9011) labels.add('date');
            else if (tag === 0xa430) labels.add('owner');
            else if (tag === 0xa431 || tag === 0xa435) labels.add('serial');
            else if (tag === 0xa433 || tag === 0xa434) labels.add('camera');
          } else if (kind === 'gps') {
            labels.add('gps');
          }
        }
        return u32(offset + 2 + 12 * count);
      }

      const next = walk(u32(4), 'ifd0');
      if (next !== 0) {
        labels.add('thumbnail');
        walk(next, 'ifd1');
      }
    } catch (e) {
      // A damaged Exif block is removed all the same; the summary then just says "Exif".
    }
    if (orientation < 1 || orientation > 8) orientation = 0;
    return { labels: labels, orientation: orientation };
  }

  function xmpLabels(bytes) {
    const labels = new Set(['xmp']);
    const text = ascii(bytes, 0, bytes.length);
    if (/GPS(Latitude|Longitude)/.test(text)) labels.add('gps');
    if (/(DateTimeOriginal|CreateDate|DateCreated)/.test(text)) labels.add('date');
    if (/tiff:(Make|Model)/.test(text)) labels.add('camera');
    if (/(dc:creator|photoshop:Credit|SerialNumber)/.test(text)) labels.add(/SerialNumber/.test(text) ? 'serial' : 'owner');
    return labels;
  }

  // A minimal Exif APP1 that carries only the orientation, so photos taken upright still show upright.
  function orientationApp1(orientation) {
    const out = new Uint8Array(2 + 2 + 6 + 8 + 2 + 12 + 4);
    const view = new DataView(out.buffer);
    view.setUint16(0, 0xffe1);
    view.setUint16(2, out.length - 2);
    out.set([0x45, 0x78, 0x69, 0x66, 0, 0], 4); // "Exif\0\0"
    out.set([0x4d, 0x4d, 0x00, 0x2a], 10); // big-endian TIFF
    view.setUint32(14, 8); // IFD0 at 8
    view.setUint16(18, 1); // one entry
    view.setUint16(20, 0x0112); // Orientation
    view.setUint16(22, 3); // SHORT
    view.setUint32(24, 1); // count
    view.setUint16(28, orientation);
    view.setUint32(32, 0); // no next IFD
    return out;
  }

  // ---------------------------------------------------------------- JPEG

  function sameBytes(a, b) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  // Returns { code, start, next }: `start` is the 0xFF right before the marker code (fill bytes are dropped),
  // `next` the offset after the code.
  async function readMarker(reader, pos) {
    const first = await reader.read(pos, 1);
    if (first[0] !== 0xff) throw new Malformed();
    let p = pos + 1;
    let code = (await reader.read(p, 1))[0];
    while (code === 0xff) {
      p += 1;
      code = (await reader.read(p, 1))[0];
    }
    if (code === 0x00) throw new Malformed();
    return { code: code, start: p - 1, next: p + 1 };
  }

  // Entropy-coded data after an SOS segment: returns the offset of the next marker, or the file's size when
  // the file ends inside the scan (a truncated image; what precedes it was still cleaned).
  async function scanEntropy(source, size, pos) {
    let at = pos;
    while (at < size) {
      const end = Math.min(size, at + SCAN_WINDOW + 1); // one byte of overlap to see the byte after 0xFF
      const bytes = new Uint8Array(await source.slice(at, end).arrayBuffer());
      if (bytes.length !== end - at) throw new Malformed();
      let i = 0;
      const limit = Math.min(bytes.length, SCAN_WINDOW);
      while (i < limit) {
        const k = bytes.indexOf(0xff, i);
        if (k < 0 || k >= limit) break;
        if (k + 1 >= bytes.length) return size; // 0xFF as the file's last byte
        const b = bytes[k + 1];
        // 0xFF00 is a stuffed data byte, 0xFFD0–D7 restart markers, 0xFFFF fill: all part of the scan.
        if (b === 0x00 || (b >= 0xd0 && b <= 0xd7)) i = k + 2;
        else if (b === 0xff) i = k + 1;
        else return at + k;
      }
      at += limit;
    }
    return size;
  }

  async function cleanJpeg(source) {
    const reader = new Reader(source);
    const size = reader.size;
    const out = new Output();
    const removed = new Set();
    const kept = new Set();
    out.copy(0, 2); // SOI
    let pos = 2;
    let scans = 0;
    for (;;) {
      if (pos >= size) {
        if (scans === 0) throw new Malformed();
        break; // truncated after a scan
      }
      const m = await readMarker(reader, pos);
      if (m.code === 0xd8) throw new Malformed();
      if (m.code === 0xd9) { // EOI
        if (scans === 0) throw new Malformed();
        out.copy(m.start, m.next);
        // Data after the image: a second image (MPF preview), a motion-photo video, a vendor trailer.
        if (m.next < size) removed.add('trailing');
        break;
      }
      if (m.code === 0x01 || (m.code >= 0xd0 && m.code <= 0xd7)) {
        out.copy(m.start, m.next);
        pos = m.next;
        continue;
      }
      const lenBytes = await reader.read(m.next, 2);
      const length = lenBytes[0] * 256 + lenBytes[1];
      if (length < 2) throw new Malformed();
      const end = m.next + length;
      if (end > size) throw new Malformed();
      const payloadStart = m.next + 2;
      const payloadLength = length - 2;

      if (m.code === 0xda) { // SOS: the segment, then entropy-coded data up to the next marker
        out.copy(m.start, end);
        const markerAt = await scanEntropy(source, size, end);
        out.copy(end, markerAt);
        scans += 1;
        pos = markerAt;
        continue;
      }

      const isApp = m.code >= 0xe0 && m.code <= 0xef;
      if (!isApp && m.code !== 0xfe) {
        out.copy(m.start, end); // tables, frame headers, restart interval…
        pos = end;
        continue;
      }

      const head = await reader.read(payloadStart, Math.min(payloadLength, 40));
      if (m.code === 0xe0 && startsWith(head, 'JFIF\u0000')) {
        out.copy(m.start, end);
      } else if (m.code === 0xe2 && startsWith(head, 'ICC_PROFILE\u0000')) {
        out.copy(m.start, end);
        kept.add('icc');
      } else if (m.code === 0xee && startsWith(head, 'Adobe')) {
        out.copy(m.start, end); // colour transform flags, needed to decode CMYK/YCCK correctly
      } else if (m.code === 0xe1 && startsWith(head, 'Exif\u0000')) {
        const segment = await reader.read(m.start, end - m.start);
        const exif = readExif(segment.subarray(4));
        if (exif.orientation > 1 && !kept.has('orientation') && sameBytes(segment, orientationApp1(exif.orientation))) {
          out.copy(m.start, end); // already only the orientation (a file we cleaned before)
          kept.add('orientation');
          pos = end;
          continue;
        }
        exif.labels.forEach(function (l) { removed.add(l); });
        if (exif.orientation > 1 && !kept.has('orientation')) {
          out.write(orientationApp1(exif.orientation));
          kept.add('orientation');
        }
      } else if (m.code === 0xe1 && startsWith(head, 'http://ns.adobe.com/')) {
        xmpLabels(await reader.read(payloadStart, payloadLength)).forEach(function (l) { removed.add(l); });
      } else if (m.code === 0xed) {
        removed.add('iptc');
      } else if (m.code === 0xfe) {
        removed.add('comment');
      } else if (m.code === 0xeb) {
        removed.add('c2pa'); // JUMBF boxes: C2PA content credentials
      } else {
        removed.add('other');
      }
      pos = end;
    }
    return { out: out, removed: removed, kept: kept };
  }

  // ---------------------------------------------------------------- PNG

  const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

  async function cleanPng(source) {
    const reader = new Reader(source);
    const size = reader.size;
    const out = new Output();
    const removed = new Set();
    const kept = new Set();
    out.copy(0, 8);
    let pos = 8;
    let first = true;
    for (;;) {
      const h = await reader.read(pos, 8);
      const length = ((h[0] * 256 + h[1]) * 256 + h[2]) * 256 + h[3];
      const type = ascii(h, 4, 4);
      if (length > 0x7fffffff || !/^[A-Za-z]{4}$/.test(type)) throw new Malformed();
      const dataStart = pos + 8;
      const end = dataStart + length + 4;
      if (end > size) throw new Malformed();
      if (first && type !== 'IHDR') throw new Malformed();
      first = false;

      if (type === 'eXIf') {
        if (length <= 1048576) readExif(await reader.read(dataStart, length)).labels.forEach(function (l) { removed.add(l); });
        else removed.add('exif');
      } else if (type === 'tEXt' || type === 'zTXt' || type === 'iTXt') {
        const keyword = await reader.read(dataStart, Math.min(length, 80));
        if (startsWith(keyword, 'XML:com.adobe.xmp')) {
          if (type === 'iTXt' && length <= 1048576) {
            xmpLabels(await reader.read(dataStart, length)).forEach(function (l) { removed.add(l); });
          } else {
            removed.add('xmp');
          }
        } else if (startsWith(keyword, 'Raw profile type exif') || startsWith(keyword, 'Raw profile type APP1')) {
          removed.add('exif');
        } else {
          removed.add('text');
        }
      } else if (type === 'tIME') {
        removed.add('date');
      } else if (type === 'caBX') {
        removed.add('c2pa');
      } else {
        if (type === 'iCCP') kept.add('icc');
        out.copy(pos, end);
      }
      pos = end;
      if (type === 'IEND') {
        if (pos < size) removed.add('trailing');
        break;
      }
    }
    return { out: out, removed: removed, kept: kept };
  }

  // ---------------------------------------------------------------- WebP (RIFF)

  const VP8X_ICC = 0x20;
  const VP8X_EXIF = 0x08;
  const VP8X_XMP = 0x04;

  function le32(bytes, at) {
    return bytes[at] + bytes[at + 1] * 256 + bytes[at + 2] * 65536 + bytes[at + 3] * 16777216;
  }

  function putLe32(bytes, at, value) {
    bytes[at] = value % 256;
    bytes[at + 1] = Math.floor(value / 256) % 256;
    bytes[at + 2] = Math.floor(value / 65536) % 256;
    bytes[at + 3] = Math.floor(value / 16777216) % 256;
  }

  async function cleanWebp(source) {
    const reader = new Reader(source);
    const size = reader.size;
    const removed = new Set();
    const kept = new Set();
    const riff = await reader.read(0, 12);
    const riffEnd = 8 + le32(riff, 4);
    if (riffEnd > size || riffEnd < 12 + 8) throw new Malformed();

    const chunks = [];
    let pos = 12;
    while (pos < riffEnd) {
      if (pos + 8 > riffEnd) throw new Malformed();
      const h = await reader.read(pos, 8);
      const fourcc = ascii(h, 0, 4);
      const length = le32(h, 4);
      let end = pos + 8 + length + (length % 2);
      // Some writers omit the pad byte of a final odd-sized chunk.
      if (end === riffEnd + 1 && pos + 8 + length === riffEnd) end = riffEnd;
      if (end > riffEnd) throw new Malformed();
      chunks.push({ fourcc: fourcc, start: pos, end: end, length: length });
      pos = end;
    }
    const firstChunk = chunks[0] && chunks[0].fourcc;
    if (firstChunk !== 'VP8 ' && firstChunk !== 'VP8L' && firstChunk !== 'VP8X') throw new Malformed();

    const body = new Output();
    let bodyLength = 0;
    for (const c of chunks) {
      if (c.fourcc === 'EXIF') {
        if (c.length <= 1048576) readExif(await reader.read(c.start + 8, c.length)).labels.forEach(function (l) { removed.add(l); });
        else removed.add('exif');
        continue;
      }
      if (c.fourcc === 'XMP ') {
        if (c.length <= 1048576) xmpLabels(await reader.read(c.start + 8, c.length)).forEach(function (l) { removed.add(l); });
        else removed.add('xmp');
        continue;
      }
      let chunkLength = c.end - c.start;
      if (c.fourcc === 'VP8X') {
        if (c.length < 10 || c.length > 1024) throw new Malformed();
        const vp8x = (await reader.read(c.start, 8 + c.length)).slice();
        if (vp8x[8] & VP8X_ICC) kept.add('icc');
        vp8x[8] &= ~(VP8X_EXIF | VP8X_XMP) & 0xff;
        body.write(vp8x);
        if (c.end > c.start + 8 + c.length) body.copy(c.start + 8 + c.length, c.end);
      } else {
        if (c.fourcc === 'ICCP') kept.add('icc');
        body.copy(c.start, c.end);
      }
      // A final chunk written without its pad byte gets one, so the new RIFF size stays even.
      if (c.end === c.start + 8 + c.length && c.length % 2 === 1) {
        body.write(new Uint8Array(1));
        chunkLength += 1;
      }
      bodyLength += chunkLength;
    }
    if (riffEnd < size) removed.add('trailing');

    const out = new Output();
    const header = riff.slice(0, 12);
    putLe32(header, 4, 4 + bodyLength);
    out.write(header);
    out.parts = out.parts.concat(body.parts);
    return { out: out, removed: removed, kept: kept };
  }

  // ---------------------------------------------------------------- entry point

  function sortIds(set) {
    return ORDER.filter(function (id) { return set.has(id); });
  }

  function detect(head) {
    if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
    if (head.length >= 8 && PNG_SIGNATURE.every(function (b, i) { return head[i] === b; })) return 'png';
    if (head.length >= 12 && startsWith(head, 'RIFF') && startsWith(head, 'WEBP', 8)) return 'webp';
    return null;
  }

  async function clean(file) {
    let format = null;
    const original = { blob: file, cleaned: false, removed: [], kept: [], format: null, warning: 'cannot-clean' };
    try {
      if (!file || typeof file.slice !== 'function' || typeof file.size !== 'number') return original;
      const head = new Uint8Array(await file.slice(0, 12).arrayBuffer());
      format = detect(head);
      original.format = format;
      if (!format) return original;
      const result = format === 'jpeg' ? await cleanJpeg(file)
        : format === 'png' ? await cleanPng(file)
          : await cleanWebp(file);
      const removed = sortIds(result.removed);
      const kept = ['icc', 'orientation'].filter(function (id) { return result.kept.has(id); });
      return {
        blob: removed.length === 0 ? file : result.out.toBlob(file, file.type),
        cleaned: true,
        removed: removed,
        kept: kept,
        format: format,
        warning: null
      };
    } catch (e) {
      return original;
    }
  }

  return Object.freeze({ clean: clean, REMOVED_IDS: ORDER.slice() });
}));
