import type { CameraId } from '../../contract/index.ts';

export interface CameraSelector {
  region?: string;
  site?: string;
  camera?: string;
}

const glob = (pattern = '*') => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`);

/** A rule's camera selection: region, site and camera patterns with `*` wildcards, all must match. */
export function cameraMatcher(select: CameraSelector = {}): (id: CameraId) => boolean {
  const [r, s, c] = [glob(select.region), glob(select.site), glob(select.camera)];
  return (id) => r.test(id.region) && s.test(id.site) && c.test(id.camera);
}

/** The same selection as a SQL LIKE / regex pattern, for the Grafana queries. */
export const likePattern = (pattern = '*') => pattern.replaceAll('_', '\\_').replaceAll('*', '%');
export const regexPattern = (pattern = '*') => `^${pattern.replaceAll('-', '\\-').replaceAll('*', '.*')}$`;
