import { after, before } from 'node:test';
import { LineProtocolStore } from '../../src/store/line-protocol.ts';
import { startInfluxDb, type RunningInfluxDb } from '../fixtures/services/influxdb.ts';
import { startVictoriaMetrics, type RunningVictoriaMetrics } from '../fixtures/services/victoria-metrics.ts';
import { storeContract } from './store-contract.ts';

let influx: RunningInfluxDb;
let vm: RunningVictoriaMetrics;
let dbs = 0;
before(async () => {
  [influx, vm] = await Promise.all([startInfluxDb(), startVictoriaMetrics()]);
});
after(async () => {
  await Promise.all([influx?.stop(), vm?.stop()]);
});

storeContract('influxdb', async () => {
  const store = new LineProtocolStore({ flavour: 'influxdb', url: influx.url, database: `t${++dbs}` });
  await store.open();
  return store;
});

storeContract('victoriametrics', async () => {
  const store = new LineProtocolStore({ flavour: 'victoriametrics', url: vm.url, database: `t${++dbs}` });
  await store.open();
  return store;
});
