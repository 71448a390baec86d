import { create } from 'zustand';
import { api } from '../lib/api.js';
import type { EngineStatus } from '../../preload/contract.js';

interface StatusState {
  status: EngineStatus | null;
  error: string | null;
  refresh(): Promise<void>;
}

export const useStatus = create<StatusState>((set) => ({
  status: null,
  error: null,
  async refresh() {
    try {
      set({ status: await api.status(), error: null });
    } catch (err) {
      set({ error: `Homeport's engine did not answer (${(err as Error).message}). Is it running?` });
    }
  },
}));
