import type { LetterboxPlacement, LetterboxRequest } from './frame-source.ts';

/** Python's round(): halves go to the even neighbour. Ultralytics' geometry is defined with it. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * Where a `width` x `height` frame lands inside a letterboxed model input, as Ultralytics' LetterBox
 * computes it (auto=False, scaleup=True, center=True): scale to fit, round the scaled size, split the
 * padding with its `round(d - 0.1)` / `round(d + 0.1)` so an odd padding puts the extra pixel right/bottom.
 */
export function letterboxPlacement(width: number, height: number, target: LetterboxRequest): LetterboxPlacement {
  const scale = Math.min(target.width / width, target.height / height);
  const innerWidth = roundHalfEven(width * scale);
  const innerHeight = roundHalfEven(height * scale);
  const padLeft = roundHalfEven((target.width - innerWidth) / 2 - 0.1);
  const padTop = roundHalfEven((target.height - innerHeight) / 2 - 0.1);
  return { scale, padLeft, padTop, innerWidth, innerHeight };
}
