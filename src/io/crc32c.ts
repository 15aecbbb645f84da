// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum that frames TFRecord and
// TensorBoard event files. Table-driven, one byte at a time: event records are small, so this is
// far from being a bottleneck.

const CASTAGNOLI_REFLECTED = 0x82f63b78;

const TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ CASTAGNOLI_REFLECTED : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C of `bytes` as an unsigned 32-bit integer. */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const MASK_DELTA = 0xa282ead8;

/**
 * The "masked" CRC that TFRecord stores: rotate right by 15 bits and add a constant, so that a CRC
 * computed over data that itself contains CRCs does not degenerate (tensorflow/core/lib/hash/crc32c.h).
 */
export function maskCrc32c(crc: number): number {
  const rotated = ((crc >>> 15) | (crc << 17)) >>> 0;
  return (rotated + MASK_DELTA) >>> 0;
}

/** Masked CRC-32C of `bytes`. */
export function maskedCrc32c(bytes: Uint8Array): number {
  return maskCrc32c(crc32c(bytes));
}
