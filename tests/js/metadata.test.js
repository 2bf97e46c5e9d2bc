'use strict';
// wwwroot/js/metadata.js: lossless removal of identifying metadata from JPEG, PNG and WebP before sealing.
// The images are built by hand here: minimal, structurally valid files whose metadata carries a canary.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const M = require(path.join(__dirname, '..', '..', 'src', 'Intake.Web', 'wwwroot', 'js', 'metadata.js'));

const CANARY = 'CANARY-5e1f';
const latin1 = (bytes) => Buffer.from(bytes).toString('latin1');
const bytesOf = (text) => Array.from(Buffer.from(text, 'latin1'));

function u8(...parts) {
  const flat = [];
  for (const p of parts) {
    if (typeof p === 'number') flat.push(p);
    else for (const b of p) flat.push(b);
  }
  return Uint8Array.from(flat);
}

async function blobBytes(blob) {
  return new Uint8Array(await blob.arrayBuffer());
}

function includesSeq(haystack, needle) {
  return Buffer.from(haystack).indexOf(Buffer.from(needle)) >= 0;
}

// ---------------------------------------------------------------- a tiny TIFF (Exif) writer, big-endian

const be16 = (n) => [(n >> 8) & 0xff, n & 0xff];
const be32 = (n) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

// ifds: [{ name, entries: [{ tag, type, count, data (bytes) | value (≤ 4 bytes, inline) | ifd (name) }], next }]
function tiff(ifds) {
  const sizeOf = (ifd) => 2 + 12 * ifd.entries.length + 4 +
    ifd.entries.reduce((n, e) => n + (e.data && e.data.length > 4 ? e.data.length : 0), 0);
  const offsets = {};
  let at = 8;
  for (const ifd of ifds) {
    offsets[ifd.name] = at;
    at += sizeOf(ifd);
  }
  const out = [0x4d, 0x4d, 0x00, 0x2a, ...be32(8)];
  for (const ifd of ifds) {
    let dataAt = offsets[ifd.name] + 2 + 12 * ifd.entries.length + 4;
    const data = [];
    out.push(...be16(ifd.entries.length));
    for (const e of ifd.entries) {
      out.push(...be16(e.tag), ...be16(e.type), ...be32(e.count));
      if (e.ifd) {
        out.push(...be32(offsets[e.ifd]));
      } else if (e.data && e.data.length > 4) {
        out.push(...be32(dataAt));
        data.push(...e.data);
        dataAt += e.data.length;
      } else {
        const inline = (e.data || []).slice();
        while (inline.length < 4) inline.push(0);
        out.push(...inline);
      }
    }
    out.push(...be32(ifd.next ? offsets[ifd.next] : 0));
    out.push(...data);
  }
  return Uint8Array.from(out);
}

const asciiZ = (text) => [...bytesOf(text), 0];
// 22° 17' 43.21" as three RATIONALs: bytes a thief of the photo could read as a place.
const GPS_LATITUDE = Uint8Array.from([...be32(22), ...be32(1), ...be32(17), ...be32(1), ...be32(4321), ...be32(100)]);

function exifTiff({ orientation = 6, thumbnail = false } = {}) {
  const ifds = [
    {
      name: 'ifd0',
      next: thumbnail ? 'ifd1' : null,
      entries: [
        { tag: 0x010f, type: 2, count: 20, data: asciiZ('Cam ' + CANARY + '-make') },
        { tag: 0x0112, type: 3, count: 1, data: be16(orientation) },
        { tag: 0x8769, type: 4, count: 1, ifd: 'exif' },
        { tag: 0x8825, type: 4, count: 1, ifd: 'gps' }
      ]
    },
    {
      name: 'exif',
      entries: [
        { tag: 0x9003, type: 2, count: 20, data: asciiZ('2024:05:01 21:14:09') },
        { tag: 0xa431, type: 2, count: 20, data: asciiZ('SN-' + CANARY + '-99') }
      ]
    },
    {
      name: 'gps',
      entries: [
        { tag: 0x0001, type: 2, count: 2, data: asciiZ('N') },
        { tag: 0x0002, type: 5, count: 3, data: Array.from(GPS_LATITUDE) },
        { tag: 0x001b, type: 7, count: 17, data: bytesOf('GPS ' + CANARY + '-gps') }
      ]
    }
  ];
  if (thumbnail) ifds.push({ name: 'ifd1', entries: [{ tag: 0x0201, type: 4, count: 1, data: be32(0) }] });
  return tiff(ifds);
}

// ---------------------------------------------------------------- JPEG

function seg(code, payload) {
  const p = Array.from(payload);
  return u8(0xff, code, be16(p.length + 2), p);
}

const SOI = u8(0xff, 0xd8);
const EOI = u8(0xff, 0xd9);
const APP0_JFIF = seg(0xe0, u8(bytesOf('JFIF'), 0, 1, 1, 0, 0, 1, 0, 1, 0, 0));
const APP2_ICC = seg(0xe2, u8(bytesOf('ICC_PROFILE'), 0, 1, 1, bytesOf('fake colour profile bytes')));
const APP14_ADOBE = seg(0xee, u8(bytesOf('Adobe'), 0, 100, 0, 0, 0, 0, 1));
const DQT = seg(0xdb, u8(0, new Array(64).fill(1)));
const SOF0 = seg(0xc0, u8(8, 0, 1, 0, 1, 1, 1, 0x11, 0));
const DHT = seg(0xc4, u8(0x00, 1, new Array(15).fill(0), 0x00));
const SOS = seg(0xda, u8(1, 1, 0x00, 0, 63, 0));
// Entropy-coded data with a stuffed 0xFF00, a restart marker and fill bytes before the next marker.
const SCAN = u8(0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56, 0x78, 0xff, 0x00, 0x9a, 0xff, 0xff);

function exifApp1(options) {
  return seg(0xe1, u8(bytesOf('Exif'), 0, 0, exifTiff(options)));
}

function xmpPacket(ns) {
  return u8(bytesOf(ns), 0, bytesOf('<x:xmpmeta><rdf:Description exif:GPSLatitude="22,17.72N" dc:creator="' +
    CANARY + '-xmp"/></x:xmpmeta>'));
}

function fullJpeg() {
  const image = u8(DQT, SOF0, DHT, SOS, SCAN, EOI);
  const file = u8(
    SOI, APP0_JFIF, exifApp1({ thumbnail: true }),
    seg(0xe1, xmpPacket('http://ns.adobe.com/xap/1.0/')),
    APP2_ICC,
    seg(0xed, u8(bytesOf('Photoshop 3.0'), 0, bytesOf('8BIM caption ' + CANARY + '-iptc'))),
    seg(0xfe, bytesOf('comment ' + CANARY + '-com')),
    seg(0xe2, u8(bytesOf('MPF'), 0, bytesOf('multi-picture index'))),
    APP14_ADOBE,
    image,
    // A motion-photo video or a second image after the end of the first one.
    bytesOf('ftypmp4 ' + CANARY + '-trailer'), SOI, exifApp1(), EOI);
  return { file, image };
}

test('JPEG: removes Exif (GPS, camera, serial, dates, thumbnail), XMP, IPTC, comments, MPF and trailing data', async () => {
  const { file, image } = fullJpeg();
  const r = await M.clean(new Blob([file], { type: 'image/jpeg' }));
  assert.equal(r.warning, null);
  assert.equal(r.cleaned, true);
  assert.equal(r.format, 'jpeg');
  assert.deepEqual(r.removed, ['gps', 'camera', 'serial', 'owner', 'date', 'thumbnail', 'exif', 'xmp', 'iptc', 'comment', 'trailing', 'other']);
  assert.deepEqual(r.kept, ['icc', 'orientation']);
  assert.equal(r.blob.type, 'image/jpeg');

  const out = await blobBytes(r.blob);
  assert.ok(!latin1(out).includes(CANARY), 'no canary left');
  assert.ok(!includesSeq(out, GPS_LATITUDE), 'no GPS coordinates left');
  assert.ok(!latin1(out).includes('http://ns.adobe.com'), 'no XMP left');

  // Exactly: SOI, JFIF, an orientation-only Exif, the ICC profile, the Adobe segment, then the image untouched.
  const orientation = u8(0xff, 0xe1, 0x00, 0x22, bytesOf('Exif'), 0, 0, 0x4d, 0x4d, 0x00, 0x2a, be32(8),
    be16(1), be16(0x0112), be16(3), be32(1), be16(6), 0, 0, be32(0));
  assert.deepEqual(out, u8(SOI, APP0_JFIF, orientation, APP2_ICC, APP14_ADOBE, image));
});

test('JPEG: a cleaned file comes out unchanged when cleaned again', async () => {
  const first = await M.clean(new Blob([fullJpeg().file]));
  const again = await M.clean(first.blob);
  assert.equal(again.cleaned, true);
  assert.deepEqual(again.removed, []);
  assert.deepEqual(again.kept, ['icc', 'orientation']);
  assert.equal(again.blob, first.blob, 'nothing to remove: the same Blob is returned');
});

test('JPEG: orientation 1 (upright) needs no Exif at all; a file with nothing to remove is returned as is', async () => {
  const withExif = u8(SOI, exifApp1({ orientation: 1 }), DQT, SOF0, SOS, SCAN, EOI);
  const r = await M.clean(new Blob([withExif]));
  assert.deepEqual(r.kept, []);
  assert.deepEqual(await blobBytes(r.blob), u8(SOI, DQT, SOF0, SOS, SCAN, EOI));

  const plain = new Blob([u8(SOI, APP0_JFIF, DQT, SOF0, SOS, SCAN, EOI)]);
  const p = await M.clean(plain);
  assert.equal(p.cleaned, true);
  assert.deepEqual(p.removed, []);
  assert.equal(p.blob, plain);
});

test('JPEG: progressive files lose metadata between scans too, keeping every table and scan', async () => {
  const file = u8(SOI, DQT, SOF0, DHT, SOS, SCAN, DHT, seg(0xfe, bytesOf(CANARY)), SOS, SCAN, EOI);
  const r = await M.clean(new Blob([file]));
  assert.deepEqual(r.removed, ['comment']);
  assert.deepEqual(await blobBytes(r.blob), u8(SOI, DQT, SOF0, DHT, SOS, SCAN, DHT, SOS, SCAN, EOI));
});

test('JPEG: a large scan is copied by reference, byte for byte, across read windows', async () => {
  // 2.5 MiB of entropy-coded data, with stuffed bytes and a restart marker straddling the 1 MiB windows.
  const size = 2.5 * 1048576;
  const scan = new Uint8Array(size);
  let x = 12345;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    scan[i] = (x >>> 16) & 0xfe; // never 0xFF here
  }
  for (const at of [1048575, 2097151, 2097152 - 2, 777]) {
    scan[at] = 0xff;
    scan[at + 1] = at % 2 === 0 ? 0xd3 : 0x00;
  }
  const head = u8(SOI, exifApp1({ orientation: 1 }), DQT, SOF0, SOS);
  const r = await M.clean(new Blob([head, scan, EOI]));
  assert.equal(r.cleaned, true);
  const out = await blobBytes(r.blob);
  assert.deepEqual(out, u8(SOI, DQT, SOF0, SOS, scan, EOI));
});

test('JPEG: a file cut off inside the scan is still cleaned of its header metadata', async () => {
  const r = await M.clean(new Blob([u8(SOI, exifApp1(), DQT, SOF0, SOS, SCAN)]));
  assert.equal(r.cleaned, true);
  assert.ok(r.removed.includes('gps'));
  assert.ok(!latin1(await blobBytes(r.blob)).includes(CANARY));
});

// ---------------------------------------------------------------- PNG

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const typeAndData = u8(bytesOf(type), data);
  return u8(be32(typeAndData.length - 4), typeAndData, be32(crc32(typeAndData)));
}

const PNG_SIG = u8(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const IHDR = chunk('IHDR', u8(be32(1), be32(1), 8, 2, 0, 0, 0));
const ICCP = chunk('iCCP', u8(bytesOf('sRGB'), 0, 0, 0x78, 0x9c, 1, 2, 3));
const IDAT = chunk('IDAT', u8(0x78, 0x9c, 0x62, 0xf8, 0xcf, 0xc0, 0x00, 0x00, 0x03, 0x01, 0x01, 0x00));
const IEND = chunk('IEND', []);

test('PNG: drops eXIf, tEXt, zTXt, iTXt (XMP), tIME and trailing data; keeps every other chunk whole', async () => {
  const file = u8(
    PNG_SIG, IHDR,
    chunk('tEXt', u8(bytesOf('Author'), 0, bytesOf(CANARY + '-author'))),
    chunk('zTXt', u8(bytesOf('Comment'), 0, 0, bytesOf(CANARY + '-z'))),
    chunk('iTXt', u8(bytesOf('XML:com.adobe.xmp'), 0, 0, 0, 0, 0, xmpPacket(''))),
    chunk('eXIf', exifTiff()),
    chunk('tIME', u8(be16(2024), 5, 1, 21, 14, 9)),
    ICCP, IDAT, IEND,
    bytesOf('after the end ' + CANARY));
  const r = await M.clean(new Blob([file], { type: 'image/png' }));
  assert.equal(r.warning, null);
  assert.equal(r.format, 'png');
  assert.deepEqual(r.removed, ['gps', 'camera', 'serial', 'owner', 'date', 'exif', 'xmp', 'text', 'trailing']);
  assert.deepEqual(r.kept, ['icc']);
  const out = await blobBytes(r.blob);
  assert.ok(!latin1(out).includes(CANARY));
  assert.ok(!includesSeq(out, GPS_LATITUDE));
  assert.deepEqual(out, u8(PNG_SIG, IHDR, ICCP, IDAT, IEND), 'kept chunks are copied whole, CRCs included');
});

test('PNG: a file with nothing to remove is returned as is', async () => {
  const blob = new Blob([u8(PNG_SIG, IHDR, IDAT, IEND)]);
  const r = await M.clean(blob);
  assert.equal(r.cleaned, true);
  assert.deepEqual(r.removed, []);
  assert.equal(r.blob, blob);
});

// ---------------------------------------------------------------- WebP

const le32 = (n) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];

function riffChunk(fourcc, data) {
  const d = Array.from(data);
  return u8(bytesOf(fourcc), le32(d.length), d, d.length % 2 ? [0] : []);
}

function webp(...chunks) {
  const body = u8(bytesOf('WEBP'), ...chunks);
  return u8(bytesOf('RIFF'), le32(body.length), body);
}

const VP8L = riffChunk('VP8L', u8(0x2f, 0, 0, 0, 0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xfe, 0x07, 0x00, 0x01)); // odd: padded
const WEBP_ICCP = riffChunk('ICCP', bytesOf('fake colour profile'));

function vp8x(flags) {
  return riffChunk('VP8X', u8(flags, 0, 0, 0, 0, 0, 0, 0, 0, 0));
}

test('WebP: drops EXIF and XMP chunks, clears their VP8X flags and fixes the RIFF size', async () => {
  const file = webp(vp8x(0x20 | 0x08 | 0x04), WEBP_ICCP, VP8L,
    riffChunk('EXIF', u8(bytesOf('Exif'), 0, 0, exifTiff())),
    riffChunk('XMP ', xmpPacket('')));
  const r = await M.clean(new Blob([file, bytesOf('trailer ' + CANARY)], { type: 'image/webp' }));
  assert.equal(r.warning, null);
  assert.equal(r.format, 'webp');
  assert.deepEqual(r.removed, ['gps', 'camera', 'serial', 'owner', 'date', 'exif', 'xmp', 'trailing']);
  assert.deepEqual(r.kept, ['icc']);
  const out = await blobBytes(r.blob);
  assert.ok(!latin1(out).includes(CANARY));
  assert.ok(!includesSeq(out, GPS_LATITUDE));
  assert.deepEqual(out, webp(vp8x(0x20), WEBP_ICCP, VP8L));
  assert.equal(new DataView(out.buffer).getUint32(4, true), out.length - 8);
});

test('WebP: a simple file with nothing to remove is returned as is', async () => {
  const blob = new Blob([webp(VP8L)]);
  const r = await M.clean(blob);
  assert.equal(r.cleaned, true);
  assert.deepEqual(r.removed, []);
  assert.equal(r.blob, blob);
});

// ---------------------------------------------------------------- what cannot be cleaned

test('files we cannot clean come back unchanged with warning cannot-clean, never an exception', async () => {
  const { file } = fullJpeg();
  const cases = {
    'PDF': bytesOf('%PDF-1.7\n% ' + CANARY),
    'MP4': u8(0, 0, 0, 0x18, bytesOf('ftypmp42'), new Array(12).fill(0)),
    'empty': [],
    'JPEG: segment longer than the file': u8(SOI, 0xff, 0xe1, 0xff, 0xf0, bytesOf('Exif')),
    'JPEG: no marker after SOI': u8(SOI, 0x00, 0x11, 0x22),
    'JPEG: no image (EOI before any scan)': u8(SOI, APP0_JFIF, EOI),
    'JPEG: segment length below 2': u8(SOI, 0xff, 0xe1, 0x00, 0x01, EOI),
    'JPEG: cut inside the header': file.subarray(0, 40),
    'JPEG: only the signature': u8(0xff, 0xd8, 0xff),
    'PNG: chunk longer than the file': u8(PNG_SIG, IHDR, be32(1000000), bytesOf('tEXt'), 1, 2, 3),
    'PNG: first chunk is not IHDR': u8(PNG_SIG, IDAT, IEND),
    'PNG: no IEND': u8(PNG_SIG, IHDR, IDAT),
    'PNG: bad chunk type': u8(PNG_SIG, IHDR, be32(0), 0x00, 0x01, 0x02, 0x03, be32(0), IEND),
    'WebP: RIFF size beyond the file': u8(bytesOf('RIFF'), le32(5000), bytesOf('WEBP'), VP8L),
    'WebP: chunk beyond the RIFF': u8(bytesOf('RIFF'), le32(4 + 8 + 2), bytesOf('WEBP'), bytesOf('VP8L'), le32(999), 0, 0),
    'WebP: first chunk not an image': webp(riffChunk('EXIF', exifTiff()), VP8L),
    'WebP: no chunk': u8(bytesOf('RIFF'), le32(4), bytesOf('WEBP'))
  };
  for (const [name, bytes] of Object.entries(cases)) {
    const blob = new Blob([Uint8Array.from(bytes)]);
    const r = await M.clean(blob);
    assert.equal(r.warning, 'cannot-clean', name);
    assert.equal(r.cleaned, false, name);
    assert.equal(r.blob, blob, name + ': the original is returned');
    assert.deepEqual(r.removed, [], name);
  }
  for (const notAFile of [null, undefined, 'text', {}, 42]) {
    const r = await M.clean(notAFile);
    assert.equal(r.warning, 'cannot-clean');
  }
});

test('format is reported for damaged images and null for other files', async () => {
  assert.equal((await M.clean(new Blob([u8(SOI, 0xff, 0x00)]))).format, 'jpeg');
  assert.equal((await M.clean(new Blob([bytesOf('%PDF-1.7')]))).format, null);
});

test('a file whose reads fail (removed from disk while selected) gives cannot-clean', async () => {
  const good = new Blob([fullJpeg().file]);
  const flaky = {
    size: good.size,
    type: 'image/jpeg',
    slice(start, end) {
      if (start > 0) return { arrayBuffer: () => Promise.reject(new Error('NotReadableError')) };
      return good.slice(start, end);
    }
  };
  const r = await M.clean(flaky);
  assert.equal(r.warning, 'cannot-clean');
  assert.equal(r.blob, flaky);
});
