import sharp from 'sharp';

export interface GridOptions {
  /** Side of every (square, grey) image in pixels. */
  side: number;
  /** Pixels of white between images. */
  gap?: number;
  /** Each image is drawn this many times larger (nearest neighbour), so 48-pixel faces stay visible. */
  scale?: number;
}

/** Tiles rows of grey images (each side x side bytes) into one PNG; rows may differ in length. */
export async function imageGridPng(rows: Uint8Array[][], { side, gap = 2, scale = 1 }: GridOptions): Promise<Buffer> {
  const cell = side * scale;
  const columns = Math.max(1, ...rows.map((r) => r.length));
  const width = gap + columns * (cell + gap);
  const height = gap + rows.length * (cell + gap);
  const raster = new Uint8Array(width * height).fill(255);
  rows.forEach((row, r) => {
    row.forEach((image, c) => {
      const x0 = gap + c * (cell + gap);
      const y0 = gap + r * (cell + gap);
      for (let y = 0; y < cell; y++) {
        const source = Math.floor(y / scale) * side;
        const target = (y0 + y) * width + x0;
        for (let x = 0; x < cell; x++) raster[target + x] = image[source + Math.floor(x / scale)]!;
      }
    });
  });
  return sharp(raster, { raw: { width, height, channels: 1 } }).png().toBuffer();
}
