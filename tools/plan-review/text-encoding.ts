/**
 * Decodes the files the plan-review scripts read. `terraform show -json tfplan > plan.json`
 * writes UTF-8 in a POSIX shell, but UTF-16 LE with a byte-order mark in Windows PowerShell 5
 * (and UTF-8 with a BOM from some editors and `Out-File -Encoding utf8`). Pure: bytes in, text out.
 */

export type TextEncodingName = "UTF-8" | "UTF-8 with BOM" | "UTF-16 LE" | "UTF-16 BE";

export interface DecodedText {
  readonly text: string;
  readonly encoding: TextEncodingName;
}

/** The bytes are not text this reads; the message names the encoding found and how to fix it. */
export class TextEncodingError extends Error {}

export interface DecodeOptions {
  /**
   * Lenient decoding never throws on content: invalid UTF-8 becomes U+FFFD and UTF-16 without a
   * byte-order mark is decoded as UTF-16. For text that is only shown (plan text, error output).
   * @default false (strict: anything unreadable throws a TextEncodingError)
   */
  readonly lenient?: boolean;
}

const RESAVE = "write it as UTF-8 instead (PowerShell: `terraform show -json tfplan | Out-File -Encoding utf8 plan.json`)";

export function decodeText(bytes: Uint8Array, opts: DecodeOptions = {}): DecodedText {
  const lenient = opts.lenient === true;
  const starts = (...prefix: number[]) => prefix.every((b, i) => bytes[i] === b);

  if (starts(0xff, 0xfe, 0x00, 0x00) || starts(0x00, 0x00, 0xfe, 0xff)) {
    throw new TextEncodingError(`is UTF-32 ${bytes[0] === 0xff ? "LE" : "BE"} (byte-order mark ${hex(bytes.subarray(0, 4))}), which is not supported; ${RESAVE}`);
  }
  if (starts(0xef, 0xbb, 0xbf)) return { text: utf8(bytes.subarray(3), lenient, "UTF-8 with BOM", 3), encoding: "UTF-8 with BOM" };
  if (starts(0xff, 0xfe)) return { text: utf16(bytes.subarray(2), "le", lenient), encoding: "UTF-16 LE" };
  if (starts(0xfe, 0xff)) return { text: utf16(bytes.subarray(2), "be", lenient), encoding: "UTF-16 BE" };
  if (starts(0x50, 0x4b, 0x03, 0x04)) {
    throw new TextEncodingError("is a zip archive (a binary plan file?), not text; pass the output of `terraform show -json <planfile>`");
  }

  const noBom = utf16WithoutBom(bytes);
  if (noBom !== undefined) {
    if (lenient) return { text: utf16(bytes, noBom, true), encoding: noBom === "le" ? "UTF-16 LE" : "UTF-16 BE" };
    throw new TextEncodingError(`looks like UTF-16 ${noBom.toUpperCase()} without a byte-order mark, which cannot be told apart reliably; ${RESAVE}`);
  }
  return { text: utf8(bytes, lenient, "UTF-8", 0), encoding: "UTF-8" };
}

/** UTF-16 text of ASCII characters has a zero in every other byte; UTF-8 text never has zeros. */
function utf16WithoutBom(bytes: Uint8Array): "le" | "be" | undefined {
  if (bytes.length < 2) return undefined;
  if (bytes[0] !== 0 && bytes[1] === 0) return "le";
  if (bytes[0] === 0 && bytes[1] !== 0) return "be";
  return undefined;
}

function utf8(bytes: Uint8Array, lenient: boolean, name: TextEncodingName, offsetBase: number): string {
  if (!lenient) {
    const bad = firstInvalidUtf8(bytes);
    if (bad !== undefined) {
      throw new TextEncodingError(
        `is not valid ${name}: byte ${hex(bytes.subarray(bad, bad + 1))} at offset ${bad + offsetBase} ` +
          `(Windows-1252 or Latin-1 text?); ${RESAVE}`,
      );
    }
  }
  return new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }).decode(bytes);
}

function utf16(bytes: Uint8Array, order: "le" | "be", lenient: boolean): string {
  const name = `UTF-16 ${order.toUpperCase()}`;
  if (bytes.length % 2 !== 0 && !lenient) throw new TextEncodingError(`is ${name} with an odd number of bytes (cut off?); ${RESAVE}`);
  let le = bytes.subarray(0, bytes.length - (bytes.length % 2));
  if (order === "be") {
    const swapped = new Uint8Array(le.length);
    for (let i = 0; i < le.length; i += 2) {
      swapped[i] = le[i + 1];
      swapped[i + 1] = le[i];
    }
    le = swapped;
  }
  try {
    return new TextDecoder("utf-16le", { fatal: !lenient, ignoreBOM: true }).decode(le);
  } catch {
    throw new TextEncodingError(`is not valid ${name} (an unpaired surrogate); ${RESAVE}`);
  }
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number | undefined {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i += 1;
      continue;
    }
    // Lead byte: sequence length and the allowed range of the second byte (no overlongs, surrogates or > U+10FFFF).
    let length: number;
    let min = 0x80;
    let max = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) length = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b === 0xe0) min = 0xa0;
      if (b === 0xed) max = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b === 0xf0) min = 0x90;
      if (b === 0xf4) max = 0x8f;
    } else return i;
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k];
      const lo = k === 1 ? min : 0x80;
      const hi = k === 1 ? max : 0xbf;
      if (c === undefined || c < lo || c > hi) return i;
    }
    i += length;
  }
  return undefined;
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => `0x${b.toString(16).toUpperCase().padStart(2, "0")}`).join(" ");
}
