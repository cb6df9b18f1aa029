import mqttPacket from 'mqtt-packet';

/** mqtt-packet caches the remaining-length prefix of packets shorter than this (writeToStream.js). */
const CACHED_BELOW = 16_384;
let warm = false;

/**
 * Fills mqtt-packet's cache of remaining-length prefixes all at once, before the first publish. The cache is
 * module-wide and keeps the prefix of every packet length below 16,384 it has written, each a 4-byte
 * `Buffer.allocUnsafe` slice of Node's shared 8 KiB pool. Filled one length at a time, between the bridge's
 * other allocations, each new length pins a whole 8 KiB pool slab for the life of the process, and a
 * camera's events keep turning up lengths not seen before: an edge host with two cameras at 2 fps had 226
 * cached lengths pinning 1.7 MB after 13 minutes, its JS ArrayBuffers growing 0.12-0.19 MB/min and still
 * climbing (heap snapshots; the chaos plant's memory check allows 0.5 MB/min of RSS in all). Filled in one
 * loop, the prefixes share 17 slabs (0.13 MB) and nothing is added later; the price, paid once at start, is
 * ~1.6 MB of JS heap for the 16,382 small Buffer objects and ~50 ms.
 */
export function warmVarByteIntCache(): void {
  if (warm) return;
  warm = true;
  const sink = { write: () => true, destroy: () => {} } as unknown as Parameters<typeof mqttPacket.writeToStream>[1];
  const payload = Buffer.alloc(CACHED_BELOW);
  // A QoS 0 publish to a one-byte topic is 3 bytes plus its payload (MQTT 3.1.1; the prefix cache is shared).
  for (let length = 3; length < CACHED_BELOW; length++) {
    mqttPacket.writeToStream(
      { cmd: 'publish', topic: 't', payload: payload.subarray(0, length - 3), qos: 0, dup: false, retain: false },
      sink,
    );
  }
}
