import type { StoreConfig } from '../config.ts';
import { InfluxDbDeadLetterReader } from '../line-protocol/dead-letter-reader-influxdb.ts';
import { VictoriaDeadLetterReader } from '../line-protocol/dead-letter-reader-victoria.ts';
import { LineProtocolStore } from '../line-protocol/store.ts';
import type { Store } from '../store.ts';
import { need, type StoreKind } from './store-kind.ts';

function lineProtocol(flavour: 'influxdb' | 'victoriametrics', c: StoreConfig, example: string): Store {
  return new LineProtocolStore({
    flavour,
    url: need(c, example),
    database: c.database,
    username: c.username,
    password: c.password,
    retentionDays: c.retentionDays,
  });
}

/** InfluxDB 1.x over line protocol. No evidence store of its own: images go to a folder (`dir`) or stay with the broker. */
export const influxdbKind: StoreKind = {
  store: (c) => lineProtocol('influxdb', c, 'http://host:8086'),
  deadLetters: (c) => new InfluxDbDeadLetterReader(c),
  evidence: () => null,
};

/** VictoriaMetrics over its InfluxDB line-protocol endpoint. No evidence store of its own, as InfluxDB. */
export const victoriametricsKind: StoreKind = {
  store: (c) => lineProtocol('victoriametrics', c, 'http://host:8428'),
  deadLetters: (c) => new VictoriaDeadLetterReader(c),
  evidence: () => null,
};
