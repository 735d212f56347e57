/** The drop zone of the console's file inputs. */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

/** A dashed area that takes dropped files, around its label and file input. */
export function DropZone({ onFiles, children }: { onFiles: (files: FileList | null) => void; children: ComponentChildren }) {
  const [over, setOver] = useState(false);
  return (
    <div
      class={`dropzone ${over ? 'over' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        onFiles(e.dataTransfer?.files ?? null);
      }}
    >
      {children}
    </div>
  );
}
