/**
 * Said above the model list while the bundled demo model is all Homeport
 * serves (what `homeport serve` falls back to with nothing configured): what
 * it is, and how to get a real one.
 */
import { Alert, Button, Group, Text } from '@mantine/core';
import type { ModelView } from '../../../preload/contract.js';

/** True when every served model is the bundled demo (and there is one). */
export function servingOnlyDemo(served: readonly ModelView[] | null): boolean {
  return served !== null && served.length > 0 && served.every((model) => model.demo === true);
}

export function DemoNotice({ onDownload }: { readonly onDownload: () => void }) {
  return (
    <Alert variant="light" color="blue" title="Only the demo model so far" mb="sm" role="status">
      <Group justify="space-between" align="flex-end" wrap="wrap" gap="sm">
        <Text size="sm" maw={620}>
          stories260k is the bundled demo (1.2 MB, trained on children’s stories): it shows Homeport working and is far too small for real use. Download a
          model that fits this machine, or add a folder of .gguf files under Folders and files.
        </Text>
        <Button size="xs" onClick={onDownload}>
          Find a model
        </Button>
      </Group>
    </Alert>
  );
}
