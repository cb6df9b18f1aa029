import { SeamError } from '../../contract/index.ts';

/** A `maxBytesPerSecond` as given: 0 means no limit; anything but a number >= 0 is SEAM_ERR_CONFIG. */
export function checkBytesPerSecond(value: number | undefined): number {
  const bytesPerSecond = value ?? 0;
  if (!(Number.isFinite(bytesPerSecond) && bytesPerSecond >= 0)) {
    throw new SeamError('SEAM_ERR_CONFIG', `maxBytesPerSecond must be a number >= 0, got ${bytesPerSecond}`, {
      field: 'maxBytesPerSecond',
    });
  }
  return bytesPerSecond;
}
