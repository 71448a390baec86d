/**
 * A table whose rows are drawn only while on screen once there are more than
 * a screenful (@tanstack/react-virtual), with ARIA table roles so it reads and
 * is found like a table. Columns share one CSS grid template, so a live number
 * changing in one row never moves the others.
 */
import { memo, useCallback, useRef, type CSSProperties, type KeyboardEvent, type ReactNode } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { Box } from '@mantine/core';

export interface Column<Row> {
  readonly key: string;
  readonly header: ReactNode;
  /** A CSS grid track: "120px", "1fr", "minmax(160px, 2fr)". */
  readonly width: string;
  readonly align?: 'left' | 'right' | 'center';
  readonly render: (row: Row) => ReactNode;
}

export interface VirtualTableProps<Row> {
  /** Names the table for screen readers and tests. */
  readonly label: string;
  readonly columns: readonly Column<Row>[];
  readonly rows: readonly Row[];
  readonly rowKey: (row: Row) => string;
  readonly rowHeight?: number;
  /** Height of the scrolling body once it has more rows than fit. */
  readonly maxHeight?: number;
  /** Shown instead of the body when there are no rows. */
  readonly empty?: ReactNode;
  /** Makes rows focusable and clickable (Enter or Space opens them too). */
  readonly onRowClick?: (row: Row) => void;
  readonly selectedKey?: string | null;
  /** Rows up to this count are drawn plainly; more are virtualised. */
  readonly virtualiseAbove?: number;
}

export function VirtualTable<Row>(props: VirtualTableProps<Row>) {
  const { label, columns, rows, rowKey, rowHeight = 40, maxHeight = 480, empty, onRowClick, selectedKey, virtualiseAbove = 50 } = props;
  const template = columns.map((c) => c.width).join(' ');
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = rows.length > virtualiseAbove;
  const virtualizer = useVirtualizer({
    count: virtual ? rows.length : 0,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: 8,
  });
  // Rows are memoised on their record: a stable click handler keeps a live update to one row from redrawing the others.
  const click = useRef(onRowClick);
  click.current = onRowClick;
  const clickable = Boolean(onRowClick);
  const onClick = useCallback((row: unknown) => click.current?.(row as Row), []);

  const rowProps = (row: Row, index: number) => {
    const key = rowKey(row);
    return {
      key,
      row: row as unknown,
      index,
      columns: columns as readonly Column<unknown>[],
      template,
      rowHeight,
      selected: selectedKey === undefined ? undefined : selectedKey === key,
      onClick: clickable ? onClick : undefined,
    };
  };

  return (
    <Box role="table" aria-label={label} aria-rowcount={rows.length + 1} className="hp-vt">
      <div role="rowgroup">
        <div role="row" aria-rowindex={1} className="hp-vt-row hp-vt-head" style={{ gridTemplateColumns: template }}>
          {columns.map((column) => (
            <div key={column.key} role="columnheader" className="hp-vt-cell" style={{ justifyContent: justify(column.align) }}>
              {column.header}
            </div>
          ))}
        </div>
      </div>
      {rows.length === 0 ? (
        <div role="rowgroup">
          <div role="row">
            <div role="cell">{empty}</div>
          </div>
        </div>
      ) : virtual ? (
        <div ref={scroller} role="rowgroup" style={{ maxHeight, overflowY: 'auto' }}>
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((item) => {
              const { key, ...rest } = rowProps(rows[item.index]!, item.index);
              return <TableRow key={key} {...rest} top={item.start} height={item.size} />;
            })}
          </div>
        </div>
      ) : (
        <div role="rowgroup">
          {rows.map((row, i) => {
            const { key, ...rest } = rowProps(row, i);
            return <TableRow key={key} {...rest} />;
          })}
        </div>
      )}
    </Box>
  );
}

interface TableRowProps {
  readonly row: unknown;
  readonly index: number;
  readonly columns: readonly Column<unknown>[];
  readonly template: string;
  readonly rowHeight: number;
  readonly selected: boolean | undefined;
  readonly onClick: ((row: unknown) => void) | undefined;
  /** Set when virtualised: the row's offset and height. */
  readonly top?: number;
  readonly height?: number;
}

/**
 * One row; redrawn only when its record, position or selection changes, and
 * then its cells only when its record changes: a request added at the top
 * moves every row below it (position and index), which costs a style and an
 * attribute per row, not a render of every cell's components.
 */
const TableRow = memo(function TableRow({ row, index, columns, template, rowHeight, selected, onClick, top, height }: TableRowProps) {
  const onKeyDown = onClick
    ? (event: KeyboardEvent) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          onClick(row);
        }
      }
    : undefined;
  const placed: CSSProperties | undefined =
    top === undefined ? undefined : { position: 'absolute', top: 0, left: 0, right: 0, height, transform: `translateY(${top}px)` };
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      className="hp-vt-row"
      data-clickable={onClick ? 'true' : undefined}
      tabIndex={onClick ? 0 : undefined}
      onClick={onClick ? () => onClick(row) : undefined}
      onKeyDown={onKeyDown}
      style={{ gridTemplateColumns: template, minHeight: rowHeight, ...placed }}
    >
      <RowCells row={row} columns={columns} />
    </div>
  );
});

const RowCells = memo(function RowCells({ row, columns }: { readonly row: unknown; readonly columns: readonly Column<unknown>[] }) {
  return columns.map((column) => (
    <div key={column.key} role="cell" className="hp-vt-cell" style={{ justifyContent: justify(column.align) }}>
      {column.render(row)}
    </div>
  ));
});

function justify(align: Column<unknown>['align']): string {
  return align === 'right' ? 'flex-end' : align === 'center' ? 'center' : 'flex-start';
}
