/** Models: every model across runtimes with load controls and fit, Hugging Face downloads, and the folders scanned. */
import { useEffect, useMemo, useState } from 'react';
import { ActionIcon, Badge, Button, Card, Group, Loader, Stack, Tabs, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { EmptyState } from '../../components/EmptyState.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { FitBadge, layersDetail } from '../../components/FitBadge.js';
import { Icon } from '../../components/icons.js';
import { VirtualTable, type Column } from '../../components/VirtualTable.js';
import { formatBytes, formatContext, formatTokPerSec, formatTokPerSecRange, formatTokPerSecRangeShort, NO_VALUE } from '../../lib/format.js';
import { downloadsFeed, useDownloads } from '../../stores/downloads.js';
import { modelsFeed, useModels } from '../../stores/models.js';
import { useReloadOnReconnect, useStatus } from '../../stores/status.js';
import { DownloadsList } from './DownloadsList.js';
import { HubPanel } from './HubPanel.js';
import { LibraryFolders } from './LibraryFolders.js';
import { ModelDrawer } from './ModelDrawer.js';
import { ModelState } from './ModelState.js';
import { DemoNotice, servingOnlyDemo } from './DemoNotice.js';
import { filterRows, modelRows, type ModelRow } from './model-rows.js';

type Tab = 'models' | 'download' | 'folders';

export function ModelsPage() {
  const [tab, setTab] = useState<Tab>('models');
  const [openId, setOpenId] = useState<string | null>(null);
  const served = useModels((s) => s.served);
  const library = useModels((s) => s.library);
  const rows = useMemo(() => modelRows(served, library), [served, library]);
  const brokenCount = library?.broken.length ?? 0;
  const active = useDownloads((s) => s.downloads.filter((d) => d.state === 'downloading' || d.state === 'verifying').length);
  useEffect(() => modelsFeed.acquire(), []);
  useEffect(() => downloadsFeed.acquire(), []);
  const openRow = rows.find((r) => r.id === openId) ?? null;

  return (
    <Stack gap="lg">
      <Title order={2}>Models</Title>
      <Tabs value={tab} onChange={(value) => setTab((value as Tab | null) ?? 'models')} keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="models">My models</Tabs.Tab>
          <Tabs.Tab
            value="download"
            rightSection={
              active > 0 ? (
                <Badge size="xs" circle>
                  {active}
                </Badge>
              ) : null
            }
          >
            Download
          </Tabs.Tab>
          <Tabs.Tab
            value="folders"
            rightSection={
              brokenCount > 0 ? (
                <Badge size="xs" color="red" circle>
                  {brokenCount}
                </Badge>
              ) : null
            }
          >
            Folders and files
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="models" pt="md">
          <MyModels rows={rows} onOpen={setOpenId} onDownload={() => setTab('download')} />
        </Tabs.Panel>
        <Tabs.Panel value="download" pt="md">
          <Stack gap="lg">
            <DownloadsList
              onShowModel={(id) => {
                setTab('models');
                setOpenId(id);
              }}
            />
            <HubPanel />
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="folders" pt="md">
          <Folders />
        </Tabs.Panel>
      </Tabs>
      <ModelDrawer row={openRow} onClose={() => setOpenId(null)} />
    </Stack>
  );
}

function Folders() {
  const library = useModels((s) => s.library);
  const rescanning = useModels((s) => s.rescanning);
  const rescan = useModels((s) => s.rescan);
  const folders = useModels((s) => s.folders);
  const foldersError = useModels((s) => s.foldersError);
  const saving = useModels((s) => s.savingFolders);
  const { loadFolders, saveFolders } = useModels.getState();
  useEffect(() => void loadFolders(), [loadFolders]);
  useReloadOnReconnect(loadFolders);
  return (
    <LibraryFolders
      library={library}
      rescanning={rescanning}
      onRescan={() => void rescan()}
      folders={folders}
      foldersError={foldersError}
      savingFolders={saving}
      onSaveFolders={(next) => saveFolders(next)}
    />
  );
}

function MyModels({ rows, onOpen, onDownload }: { readonly rows: readonly ModelRow[]; readonly onOpen: (id: string) => void; readonly onDownload: () => void }) {
  const [query, setQuery] = useState('');
  const servedError = useModels((s) => s.servedError);
  const libraryError = useModels((s) => s.libraryError);
  const refresh = useModels((s) => s.refreshServed);
  const loadLibrary = useModels((s) => s.loadLibrary);
  const loaded = useModels((s) => s.served !== null || s.library !== null);
  const onlyDemo = useModels((s) => servingOnlyDemo(s.served));
  // Until the library answers (a first scan takes seconds) only served models are listed, without fit: say so.
  const readingLibrary = useModels((s) => s.library === null && s.libraryError === null);
  const columns = useColumns(onOpen);
  const shown = filterRows(rows, query);
  return (
    <Card>
      <Group justify="space-between" mb="sm">
        <TextInput placeholder="Filter by name, quantisation or runtime" aria-label="Filter models" value={query} onChange={(e) => setQuery(e.currentTarget.value)} w={320} />
        <Button variant="light" onClick={onDownload}>
          Download a model
        </Button>
      </Group>
      {onlyDemo && <DemoNotice onDownload={onDownload} />}
      {servedError && <ErrorNotice title="Could not list the served models" message={servedError.message} onRetry={() => void refresh()} />}
      {libraryError && <ErrorNotice title="Could not read the model library" message={libraryError.message} onRetry={() => void loadLibrary()} />}
      {readingLibrary && rows.length > 0 && (
        <Group gap="xs" mb="xs" role="status">
          <Loader size="xs" />
          <Text size="sm" c="dimmed">
            Reading the model library: the other models in your folders, and what fits, appear when it is done.
          </Text>
        </Group>
      )}
      <VirtualTable
        label="Models"
        columns={columns}
        rows={shown}
        rowKey={(r) => r.id}
        rowHeight={52}
        maxHeight={620}
        empty={
          query ? (
            <EmptyState title={`No model matches “${query}”`} />
          ) : (
            <EmptyState
              title={loaded ? 'No models yet' : 'Looking for models…'}
              action={
                <Button onClick={onDownload} variant="filled">
                  Download one
                </Button>
              }
            >
              Download a GGUF model from Hugging Face, or put .gguf files in Homeport’s models folder.
            </EmptyState>
          )
        }
      />
    </Card>
  );
}

/** Below this window width the figures (quant, size, context) join the model's second line and Settings becomes an icon, so the table fits without scrolling sideways. */
// The wide columns need ~1,150 px of table: the window less the sidebar and the page's padding (a 1280 px window cut Settings off).
const WIDE_TABLE = '(min-width: 1440px)';

function useColumns(onOpen: (id: string) => void): readonly Column<ModelRow>[] {
  const wide = useMediaQuery(WIDE_TABLE, true) ?? true;
  return useMemo(() => {
    const name: Column<ModelRow> = {
      key: 'name',
      header: 'Model',
      width: wide ? 'minmax(220px, 3fr)' : 'minmax(140px, 3fr)',
      render: (r: ModelRow) => (
        <div style={{ minWidth: 0 }}>
          <Text size="sm" fw={500} truncate title={r.name}>
            {r.name}
          </Text>
          <SubLine row={r} withFigures={!wide} />
        </div>
      ),
    };
    const figures: Column<ModelRow>[] = wide
      ? [
          { key: 'quant', header: 'Quant', width: '72px', render: (r: ModelRow) => <Text size="sm" truncate title={r.quant ?? undefined}>{r.quant ?? NO_VALUE}</Text> },
          { key: 'size', header: 'Size', width: '76px', align: 'right', render: (r: ModelRow) => <span className="hp-figure">{formatBytes(r.sizeBytes)}</span> },
          { key: 'ctx', header: 'Context', width: '76px', align: 'right', render: (r: ModelRow) => <span className="hp-figure">{formatContext(r.contextLength)}</span> },
        ]
      : [];
    return [
      name,
      ...figures,
      { key: 'runtime', header: 'Runtime', width: wide ? 'minmax(130px, 1.4fr)' : 'minmax(100px, 1.2fr)', render: (r: ModelRow) => <RuntimeCell row={r} /> },
      // Wide enough for the longest state ("NOT LOADED") and a short predicted range ("1.2K–9.9K tok/s") whole: they were cut to "NOT LOA…" and "26–377 tok/s".
      { key: 'state', header: 'State', width: '114px', render: (r: ModelRow) => <StateCell row={r} /> },
      {
        key: 'fit',
        header: 'Fit',
        width: wide ? '112px' : '108px',
        render: (r: ModelRow) => (r.library ? <FitBadge verdict={r.library.fit.verdict} reason={r.library.fit.reason} detail={layersDetail(r.library.fit)} /> : <Text size="sm" c="dimmed">{NO_VALUE}</Text>),
      },
      { key: 'speed', header: 'Speed', width: '130px', align: 'right', render: (r: ModelRow) => <SpeedCell row={r} /> },
      { key: 'actions', header: <span className="sr-only">Actions</span>, width: wide ? '176px' : '124px', align: 'right', render: (r: ModelRow) => <Actions row={r} onOpen={onOpen} compact={!wide} /> },
    ];
  }, [onOpen, wide]);
}

/** The model's second line: architecture and aliases (and the figures when the table is narrow), or its id; the full text in the title when cut. */
function SubLine({ row, withFigures }: { readonly row: ModelRow; readonly withFigures: boolean }) {
  const figures = withFigures ? [row.quant, row.sizeBytes !== null ? formatBytes(row.sizeBytes) : null, row.contextLength !== null ? `${formatContext(row.contextLength)} ctx` : null] : [];
  const text = [row.served?.demo ? 'bundled demo' : null, row.library?.metadata.architecture, ...figures, row.served?.aliases.length ? `aka ${row.served.aliases.join(', ')}` : null].filter(Boolean).join(' · ') || row.id;
  return (
    <Text size="xs" c="dimmed" truncate title={text}>
      {text}
    </Text>
  );
}

/**
 * Which runtime serves the model on two lines, kind over address
 * (`llama-server` / `127.0.0.1:8080`), so a long one is not cut; the full
 * text in the title.
 */
function RuntimeCell({ row }: { readonly row: ModelRow }) {
  const shown = row.served ? row.served.ownedBy.replace(/^homeport-/, '') : null;
  if (!shown) return <Text size="sm">{NO_VALUE}</Text>;
  const title = row.runtime && row.runtime !== shown ? `${shown} (runtime ${row.runtime})` : shown;
  const at = shown.indexOf('@');
  return (
    <div style={{ minWidth: 0 }} title={title}>
      <Text size="sm" truncate>
        {at > 0 ? shown.slice(0, at) : shown}
      </Text>
      {at > 0 && (
        <Text size="xs" c="dimmed" truncate className="hp-figure">
          {shown.slice(at + 1)}
        </Text>
      )}
    </div>
  );
}

function StateCell({ row }: { readonly row: ModelRow }) {
  const pending = useModels((s) => s.actions[row.id]);
  return <ModelState model={row.served} since={pending?.since} />;
}

/** Predicted speed from the library; measured from the engine's own figures for this model. */
function SpeedCell({ row }: { readonly row: ModelRow }) {
  const measured = useStatus((s) => s.status?.models.find((m) => m.model === row.id)?.decodeTokPerSec.p50 ?? null);
  const figures = row.library?.figures.tokensPerSecond ?? null;
  const predicted = figures?.source === 'predicted' ? formatTokPerSecRange(figures) : null;
  // The cell is narrow: big ends in compact form, the full range in the tooltip and the label.
  const predictedShort = figures?.source === 'predicted' ? formatTokPerSecRangeShort(figures) : null;
  const libraryMeasured = figures?.source === 'measured' ? figures.value : null;
  const value = measured ?? libraryMeasured;
  return (
    <Stack gap={0} align="flex-end" aria-label={`Speed: ${value !== null ? `measured ${formatTokPerSec(value)}` : 'not measured'}${predicted ? `, predicted ${predicted}` : ''}`}>
      <Text size="sm" className="hp-figure" title={value !== null ? 'Measured decode speed (median)' : `Predicted decode speed on this machine${predicted ? `: ${predicted}` : ''}`}>
        {value !== null ? formatTokPerSec(value) : (predictedShort ?? NO_VALUE)}
      </Text>
      <Text size="xs" c="dimmed">
        {value !== null ? 'measured' : predicted ? 'predicted' : 'not measured'}
      </Text>
    </Stack>
  );
}

function Actions({ row, onOpen, compact }: { readonly row: ModelRow; readonly onOpen: (id: string) => void; readonly compact: boolean }) {
  const pending = useModels((s) => s.actions[row.id]);
  const error = useModels((s) => s.actionErrors[row.id]);
  const runAction = useModels((s) => s.runAction);
  const serveLibraryModel = useModels((s) => s.serveLibraryModel);
  const state = row.served?.state;
  const canUnload = state === 'loaded' || state === 'loading';
  const action = canUnload ? 'unload' : 'load';
  const label = canUnload ? 'Unload' : 'Load';
  // Loaded by a server Homeport attached to (or another client of a daemon): there is nothing Homeport can unload.
  const outside = canUnload && row.served?.externallyManaged === true;
  return (
    <Group gap={6} wrap="nowrap" onClick={(e) => e.stopPropagation()} onKeyDown={(e) => e.stopPropagation()}>
      {outside ? (
        <Tooltip label={`Loaded by ${row.served!.runtime}, which runs on its own: Homeport did not load this model and cannot unload it. Stop that server (or unload it there) to free its memory.`} multiline maw={360}>
          <Text size="xs" c="dimmed" tabIndex={0} aria-label={`${row.id} runs outside Homeport: it cannot be unloaded here`}>
            runs outside
          </Text>
        </Tooltip>
      ) : row.served ? (
        <Tooltip label={error?.message ?? ''} disabled={!error} multiline maw={360} color="red">
          <Button
            size="compact-sm"
            variant={canUnload ? 'default' : 'filled'}
            color={error ? 'red' : undefined}
            loading={pending !== undefined || state === 'unloading'}
            onClick={() => void runAction(row.id, action)}
            aria-label={`${label} ${row.id}`}
          >
            {label}
          </Button>
        </Tooltip>
      ) : row.library ? (
        <Tooltip label={error?.message ?? 'Serve this file on the endpoint and load it (Homeport keeps serving it after a restart)'} multiline maw={360} color={error ? 'red' : undefined}>
          <Button
            size="compact-sm"
            variant="filled"
            color={error ? 'red' : undefined}
            loading={pending !== undefined}
            onClick={() => void serveLibraryModel(row.library!.id)}
            aria-label={`Load ${row.id}`}
          >
            Load
          </Button>
        </Tooltip>
      ) : null}
      {compact ? (
        <Tooltip label="Settings">
          <ActionIcon variant="subtle" onClick={() => onOpen(row.id)} aria-label={`Settings for ${row.id}`}>
            <Icon name="settings" size={16} />
          </ActionIcon>
        </Tooltip>
      ) : (
        <Button size="compact-sm" variant="subtle" onClick={() => onOpen(row.id)} aria-label={`Settings for ${row.id}`}>
          Settings
        </Button>
      )}
    </Group>
  );
}
