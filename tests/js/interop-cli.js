#!/usr/bin/env node
'use strict';
// Cross-implementation interop: the .NET tests seal and open through this CLI and compare with src/Crypto.
//
//   node tests/js/interop-cli.js seal --recipient <hex pk> [--recipient ...] --bundle-hash <hex>
//        --manifest <json file of application members> [--attach <path> ...] --out <path>
//     prints {"ok":true,"size":N}
//   node tests/js/interop-cli.js open --identity <hex sk> [--identity ...] --in <path>
//     prints {"ok":true,"bundleHash":hex,"manifest":{...},"attachments":[{"size":n,"blake2b":hex}]}
//     or {"ok":false,"failure":"..."}
//
// Exit codes: 0 when the command ran (including an envelope that fails to open), 2 for usage errors,
// 1 for anything else (unreadable files, I/O errors).

const fs = require('node:fs');
const path = require('node:path');
const sodium = require('libsodium-wrappers-sumo');
const C = require(path.join(__dirname, '..', '..', 'src', 'Intake.Web', 'wwwroot', 'js', 'safeintake-crypto.js'));

class UsageError extends Error {}

const USAGE = [
  'usage:',
  '  interop-cli.js seal --recipient <hex pk> [...] --bundle-hash <hex> --manifest <file> [--attach <path> ...] --out <path>',
  '  interop-cli.js open --identity <hex sk> [...] --in <path>'
].join('\n');

function parseArgs(argv, repeatable, single) {
  const out = {};
  for (const name of repeatable) out[name] = [];
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (!flag.startsWith('--') || value === undefined) throw new UsageError(`bad argument near "${flag}"`);
    const name = flag.slice(2);
    if (repeatable.includes(name)) out[name].push(value);
    else if (single.includes(name)) {
      if (name in out) throw new UsageError(`--${name} given twice`);
      out[name] = value;
    } else {
      throw new UsageError(`unknown option ${flag}`);
    }
  }
  return out;
}

function hexBytes(text, length, what) {
  if (typeof text !== 'string' || !/^(?:[0-9a-fA-F]{2})+$/.test(text) || text.length !== 2 * length) {
    throw new UsageError(`${what} must be ${length} bytes of hex`);
  }
  return sodium.from_hex(text.toLowerCase());
}

async function writeAll(handle, bytes) {
  let off = 0;
  while (off < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, off, bytes.length - off);
    off += bytesWritten;
  }
}

async function seal(argv) {
  const args = parseArgs(argv, ['recipient', 'attach'], ['bundle-hash', 'manifest', 'out']);
  if (args.recipient.length === 0) throw new UsageError('at least one --recipient is needed');
  for (const name of ['bundle-hash', 'manifest', 'out']) if (!args[name]) throw new UsageError(`--${name} is needed`);
  const recipients = args.recipient.map((r) => hexBytes(r, 32, '--recipient'));
  const bundleHash = hexBytes(args['bundle-hash'], 32, '--bundle-hash');
  const manifest = JSON.parse(fs.readFileSync(args.manifest, 'utf8'));
  const attachments = [];
  for (const file of args.attach) {
    // openAsBlob: a file-backed Blob, so the sealer's slice() reads stream from disk.
    attachments.push({ name: path.basename(file), type: 'application/octet-stream', blob: await fs.openAsBlob(file) });
  }
  const handle = await fs.promises.open(args.out, 'w');
  let result;
  try {
    result = await C.seal({
      recipients, bundleHash, manifest, attachments,
      onChunk: (bytes) => writeAll(handle, bytes)
    });
    await handle.sync();
  } catch (e) {
    await handle.close();
    await fs.promises.rm(args.out, { force: true });
    throw e;
  }
  await handle.close();
  return { ok: true, size: result.size };
}

async function open(argv) {
  const args = parseArgs(argv, ['identity'], ['in']);
  if (args.identity.length === 0) throw new UsageError('at least one --identity is needed');
  if (!args.in) throw new UsageError('--in is needed');
  const keys = args.identity.map((k) => hexBytes(k, 32, '--identity'));
  const source = await fs.openAsBlob(args.in);
  const states = new Map();
  const sizes = new Map();
  try {
    const result = await C.open(source, keys, {
      onAttachmentData: (index, bytes) => {
        if (!states.has(index)) {
          states.set(index, sodium.crypto_generichash_init(null, 32));
          sizes.set(index, 0);
        }
        sodium.crypto_generichash_update(states.get(index), bytes);
        sizes.set(index, sizes.get(index) + bytes.length);
      }
    });
    if (!result.ok) return { ok: false, failure: result.failure };
    const attachments = result.manifest.attachments.map((_, index) => {
      const state = states.get(index) || sodium.crypto_generichash_init(null, 32);
      states.delete(index);
      return { size: sizes.get(index) || 0, blake2b: sodium.to_hex(sodium.crypto_generichash_final(state, 32)) };
    });
    return { ok: true, bundleHash: sodium.to_hex(result.bundleHash), manifest: result.manifest, attachments };
  } finally {
    // Frees the hash states of a failed open.
    for (const state of states.values()) sodium.crypto_generichash_final(state, 32);
  }
}

async function main(argv) {
  await C.ready;
  const [command, ...rest] = argv;
  let output;
  if (command === 'seal') output = await seal(rest);
  else if (command === 'open') output = await open(rest);
  else throw new UsageError(command ? `unknown command "${command}"` : 'no command');
  process.stdout.write(JSON.stringify(output) + '\n');
}

main(process.argv.slice(2)).then(
  () => { process.exitCode = 0; },
  (e) => {
    if (e instanceof UsageError) {
      process.stderr.write(`interop-cli: ${e.message}\n${USAGE}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`interop-cli: ${e && e.stack ? e.stack : e}\n`);
      process.exitCode = 1;
    }
  });
