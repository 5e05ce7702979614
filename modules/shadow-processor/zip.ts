/**
 * A minimal, byte-for-byte deterministic zip writer for Lambda bundles.
 *
 * cdktf's ARCHIVE assets embed file modification times, so every rebuild
 * changes the zip and Terraform redeploys an unchanged function. Here every
 * entry gets a fixed DOS time (1980-01-01 00:00), fixed permissions (0644),
 * sorted names, and is STORED rather than deflated: deflate output can differ
 * between zlib builds and CPUs (SIMD hashing), which would make the hash
 * machine-dependent. A bundle of a few hundred KiB does not need compression.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface ZipEntry {
  /** Path inside the archive, "/"-separated. */
  readonly name: string;
  readonly data: Buffer;
}

const DOS_TIME = 0; // 00:00:00
const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
const VERSION = 20; // 2.0: what a stored file needs
const MADE_BY_UNIX = (3 << 8) | VERSION;
const UTF8_NAMES = 0x0800;
const FILE_MODE = 0o100644;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Builds a zip archive; the same entries always give the same bytes. */
export function createZip(entries: readonly ZipEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of sorted) {
    const name = Buffer.from(entry.name, "utf8");
    const crc = crc32(entry.data);
    const size = entry.data.length;

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(VERSION, 4);
    local.writeUInt16LE(UTF8_NAMES, 6);
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(size, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, entry.data);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(MADE_BY_UNIX, 4);
    central.writeUInt16LE(VERSION, 6);
    central.writeUInt16LE(UTF8_NAMES, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(size, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    // extra length, comment length, disk number, internal attributes: all 0
    central.writeUInt32LE((FILE_MODE << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);

    offset += local.length + name.length + size;
  }
  const centralDir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(sorted.length, 8);
  end.writeUInt16LE(sorted.length, 10);
  end.writeUInt32LE(centralDir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, centralDir, end]);
}

/**
 * The entries of a zip with stored (uncompressed) entries, as createZip writes them, read from its
 * central directory: what Lambda unpacks. Tests and the bundle-size benchmark list a bundle with it.
 */
export function readZip(zip: Buffer): ZipEntry[] {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0 || end + 22 > zip.length) throw new Error("readZip: no end-of-central-directory record: not a zip file");
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`readZip: central directory entry ${i} is damaged (offset ${at})`);
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString("utf8");
    if (method !== 0) throw new Error(`readZip: entry "${name}" is compressed (method ${method}); only stored entries are read`);
    const local = zip.readUInt32LE(at + 42);
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    entries.push({ name, data: zip.subarray(dataStart, dataStart + size) });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return entries;
}

function filesUnder(dir: string, prefix = ""): ZipEntry[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const name = prefix ? `${prefix}/${d.name}` : d.name;
    if (d.isDirectory()) return filesUnder(join(dir, d.name), name);
    return d.isFile() ? [{ name, data: readFileSync(join(dir, d.name)) }] : [];
  });
}

export interface PackagedBundle {
  /** Absolute path of the written zip. */
  readonly zipPath: string;
  /** sha256 of the zip, hex (content-addressed asset folder). */
  readonly sha256Hex: string;
  /** sha256 of the zip, base64: what Terraform's filebase64sha256() gives (Lambda source_code_hash). */
  readonly sha256Base64: string;
}

/** Zips every file under `dir` into `zipPath` (rewritten only when the bytes change). */
export function packageDirectory(dir: string, zipPath: string): PackagedBundle {
  const zip = createZip(filesUnder(dir));
  if (!existsSync(zipPath) || !readFileSync(zipPath).equals(zip)) {
    // Write-then-rename: parallel synths (test workers) never see a half-written zip.
    const partial = `${zipPath}.${process.pid}.partial`;
    writeFileSync(partial, zip);
    renameSync(partial, zipPath);
  }
  const digest = createHash("sha256").update(zip).digest();
  return { zipPath, sha256Hex: digest.toString("hex"), sha256Base64: digest.toString("base64") };
}
