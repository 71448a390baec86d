/**
 * Browsing the Hugging Face hub: a GGUF model search, and a repo's GGUF
 * files grouped into downloadable models, each with a rough fit for this
 * machine judged from the file size (the metadata is read after download).
 */
import type { FitPolicy } from '../../hardware/fit.js';
import { listGgufFiles, searchGgufModels } from '../hub.js';
import { fitByFileSize } from '../starter.js';
import type { HardwareAccess } from './hardware-access.js';
import { hubFailure, type HubAccess } from './hub-access.js';
import type { HubFilesView, HubGroupView, HubSearchView } from './view-types.js';

export interface HubBrowserOptions {
  readonly hub: HubAccess;
  readonly hardware: HardwareAccess;
  readonly policy: FitPolicy;
}

export class HubBrowser {
  constructor(private readonly options: HubBrowserOptions) {}

  async search(query: string, limit: number): Promise<HubSearchView> {
    const { hub } = this.options;
    const token = await hub.token();
    try {
      return { query, results: await searchGgufModels({ ...hub.clientSettings(token), query, limit }) };
    } catch (error) {
      throw hubFailure(error, token);
    }
  }

  /** A repo's GGUF files grouped into downloadable models, each with a rough fit for this machine. */
  async files(repo: string, revision?: string): Promise<HubFilesView> {
    const { hub, policy } = this.options;
    const token = await hub.token();
    let listing;
    try {
      listing = await listGgufFiles({ ...hub.clientSettings(token), repo, ...(revision ? { revision } : {}) });
    } catch (error) {
      throw hubFailure(error, token, 'repo');
    }
    const hardware = await this.options.hardware.snapshot();
    const groups: HubGroupView[] = listing.groups.map((group) => ({
      key: group.key,
      ...(group.quant ? { quant: group.quant } : {}),
      files: group.files.map((file) => file.path),
      totalSize: group.totalSize,
      complete: group.complete,
      projector: group.projector,
      split: group.files[0]?.split ? { count: group.files[0].split.count } : null,
      fit: group.projector ? null : fitByFileSize({ sizeBytes: group.totalSize, hardware, policy }),
    }));
    const groupOf = new Map<string, HubGroupView>();
    for (const group of groups) for (const path of group.files) groupOf.set(path, group);
    const files = listing.files.map((file) => {
      const group = groupOf.get(file.path);
      return { ...file, group: group?.key ?? file.path, fit: group?.fit ?? null };
    });
    return { repo: listing.repo, revision: listing.revision, files, groups };
  }
}
