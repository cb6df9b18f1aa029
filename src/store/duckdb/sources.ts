import type { DuckDBConnection } from '@duckdb/node-api';
import type { DetectionV1 } from '../../contract/index.ts';

interface Source {
  id: number;
  modelName: string;
  modelVersion: string;
}

/**
 * The `event_sources` ids of DuckDB's event rows: one per camera and model, so a row carries one integer
 * instead of five strings that hardly ever change (store/duckdb/schema.ts says what that saved). Ids are handed
 * out here, by the file's only writer, and the new ones inserted in the batch's own transaction; after a
 * failed write `forget()` makes the next one read them from the table again.
 */
export class DuckDbSources {
  /** Per camera key, its sources; nearly always one, so finding it is a map lookup and two string compares. */
  private byCamera = new Map<string, Source[]>();
  private next = 0;
  private loaded = false;

  forget(): void {
    this.loaded = false;
  }

  /** Each event's source id, inserting the sources not seen before on `conn`. */
  async idsFor(conn: DuckDBConnection, events: readonly DetectionV1[], cameras: readonly string[]): Promise<Int32Array<ArrayBuffer>> {
    if (!this.loaded) await this.load(conn);
    const ids = new Int32Array(events.length);
    const added: [number, DetectionV1][] = [];
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      let list = this.byCamera.get(cameras[i]);
      if (!list) this.byCamera.set(cameras[i], (list = []));
      let source = list.find((s) => s.modelName === e.model.name && s.modelVersion === e.model.version);
      if (!source) {
        source = { id: this.next++, modelName: e.model.name, modelVersion: e.model.version };
        list.push(source);
        added.push([source.id, e]);
      }
      ids[i] = source.id;
    }
    for (const [id, e] of added) {
      await conn.run(`INSERT INTO event_sources VALUES ($id, $region, $site, $camera, $name, $version)`, {
        id,
        region: e.region,
        site: e.site,
        camera: e.camera,
        name: e.model.name,
        version: e.model.version,
      });
    }
    return ids;
  }

  private async load(conn: DuckDBConnection): Promise<void> {
    const rows = (
      await conn.runAndReadAll(`SELECT source, region || '/' || site || '/' || camera, model_name, model_version FROM event_sources`)
    ).getRows();
    this.byCamera = new Map();
    this.next = 0;
    for (const [id, camera, modelName, modelVersion] of rows) {
      const key = String(camera);
      if (!this.byCamera.has(key)) this.byCamera.set(key, []);
      this.byCamera.get(key)!.push({ id: Number(id), modelName: String(modelName), modelVersion: String(modelVersion) });
      this.next = Math.max(this.next, Number(id) + 1);
    }
    this.loaded = true;
  }
}
