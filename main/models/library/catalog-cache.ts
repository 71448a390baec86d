/**
 * The model catalog, scanned once and kept until someone asks for a rescan
 * (the rescan route, or a finished download).
 */
import { GatewayError } from '../../gateway/errors.js';
import type { CatalogModel, ModelCatalog } from '../catalog.js';

export class CatalogCache {
  private latest: ModelCatalog | undefined;
  private scanning: Promise<ModelCatalog> | undefined;
  private queued: Promise<ModelCatalog> | undefined;

  constructor(private readonly scan: () => Promise<ModelCatalog>) {}

  /** The last scan's result; on first use, the scan in flight or a new one. */
  current(): Promise<ModelCatalog> {
    if (this.latest) return Promise.resolve(this.latest);
    return this.scanning ?? this.rescan();
  }

  /**
   * Scan again. A scan already running may have passed the folder a new file
   * just landed in, so a rescan asked for meanwhile runs after it, once
   * (callers asking while one waits share it).
   */
  rescan(): Promise<ModelCatalog> {
    if (this.queued) return this.queued;
    if (this.scanning) {
      const after = this.scanning.catch(() => undefined);
      this.queued = after.then(() => {
        this.queued = undefined;
        return this.start();
      });
      return this.queued;
    }
    return this.start();
  }

  /** The last scan's result, or the scan running now; undefined when nothing has been scanned (starts nothing). */
  scanned(): Promise<ModelCatalog | undefined> {
    if (this.latest) return Promise.resolve(this.latest);
    return this.scanning ?? Promise.resolve(undefined);
  }

  /**
   * One model of the current catalog; a 404 listing known ids when there is none by that id.
   * With `scan: false` a catalog never scanned is not scanned now: the 404 says how to scan it.
   */
  async model(id: string, options: { readonly scan?: boolean } = {}): Promise<CatalogModel> {
    const catalog = options.scan === false ? await this.scanned() : await this.current();
    if (catalog === undefined) {
      throw new GatewayError({
        status: 404,
        code: 'model_not_found',
        param: 'id',
        message: `No model "${id}" in the library: it has not been scanned yet. POST /homeport/v1/library/rescan scans the model folders.`,
      });
    }
    const model = catalog.models.find((candidate) => candidate.id === id);
    if (model) return model;
    const known = catalog.models.slice(0, 30).map((candidate) => candidate.id);
    throw new GatewayError({
      status: 404,
      code: 'model_not_found',
      param: 'id',
      message: `No model "${id}" in the library. ${known.length ? `Known ids: ${known.join(', ')}.` : 'The library is empty: download a model or add a models folder.'} POST /homeport/v1/library/rescan after adding files.`,
    });
  }

  private start(): Promise<ModelCatalog> {
    const scan = this.scan().then((catalog) => {
      this.latest = catalog;
      return catalog;
    });
    this.scanning = scan;
    const clear = () => {
      if (this.scanning === scan) this.scanning = undefined;
    };
    scan.then(clear, clear);
    return scan;
  }
}
