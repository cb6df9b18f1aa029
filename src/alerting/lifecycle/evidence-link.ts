import type { CameraId } from '../../contract/index.ts';

/** Which of a camera's images show why an alert fired: a class (or every class) over a time range, epoch ms. */
export interface EvidenceWindow {
  class?: string;
  fromMs: number;
  toMs: number;
}

/**
 * The dashboard view of the images behind an alert: the page filtered to the camera (and class) over the
 * window, scrolled to its evidence panel. The page keeps its view in the URL (dashboard/public/lib/view.js),
 * so the link is that view's query. No access token in it: a link travels through chat and mail.
 */
export function evidenceUrl(dashboardUrl: string, camera: CameraId, window: EvidenceWindow): string {
  const query = new URLSearchParams({
    region: camera.region,
    site: camera.site,
    camera: camera.camera,
    ...(window.class ? { class: window.class } : {}),
    from: String(Math.floor(window.fromMs)),
    to: String(Math.ceil(window.toMs)),
  });
  return `${dashboardUrl}/?${query}#evidence-panel`;
}
