import type { IConnackPacket } from 'mqtt-packet';

// v5 0x86 bad user name or password, 0x87 not authorized; v3.1.1 return codes 4 and 5 mean the same.
const AUTH_REFUSALS = { 4: new Set([4, 5]), 5: new Set([0x86, 0x87]) } as const;

/** Why a broker refused a connection, read from its CONNACK. */
export interface ConnackRefusal {
  /** The reason code (v5) or return code (v3.1.1), as the broker sent it. */
  code: number;
  /** ` (reason string)` when the broker gave one, else empty: ready to append to a message. */
  reason: string;
  /** Bad credentials or not authorized: retrying cannot help, so the session stops. */
  auth: boolean;
}

/** Undefined when the broker accepted the connection. */
export function connackRefusal(packet: IConnackPacket, version: 4 | 5): ConnackRefusal | undefined {
  const code = (version === 5 ? packet.reasonCode : packet.returnCode) ?? 0;
  if (code === 0) return undefined;
  const reason = packet.properties?.reasonString ? ` (${packet.properties.reasonString})` : '';
  return { code, reason, auth: AUTH_REFUSALS[version].has(code) };
}
