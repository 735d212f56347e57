/**
 * Files: drop files (or choose them) to upload, each with its progress; the tenant's files,
 * newest first; and one analyzeDocuments batch from the files chosen — "a user uploads 50
 * documents", done in a browser. PDF, Word, HTML, Markdown and text are read by the job's
 * first step; the type is told from the bytes on upload, so a file that cannot be read is
 * refused there (415), next to its name.
 */
import { useState } from 'preact/hooks';
import { ClientError, type UploadedFile } from '../../client/index.js';
import { useClient, useQuery } from '../api.js';
import { DELETE_FILE, FILES } from '../queries.js';
import { href } from '../router.js';
import { ErrorNotice } from '../ui/bits.js';
import { DropZone } from '../ui/drop-zone.js';
import { Pager } from '../ui/pager.js';
import { Time } from '../ui/time.js';

interface Page<T> {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: Array<{ node: T }>;
}

interface Upload {
  key: number;
  name: string;
  sent: number;
  total: number;
  file?: UploadedFile;
  error?: ClientError;
}

const ACCEPT = '.pdf,.docx,.html,.htm,.md,.markdown,.txt,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document,text/*';

export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

let nextKey = 0;

function UploadRow({ upload }: { upload: Upload }) {
  const percent = upload.total > 0 ? Math.round((upload.sent / upload.total) * 100) : 0;
  const state = upload.error ? `${upload.error.code}: ${upload.error.message}` : upload.file ? 'uploaded' : `${percent}% (${size(upload.sent)} of ${size(upload.total)})`;
  return (
    <li data-state={upload.error ? 'failed' : upload.file ? 'done' : 'sending'}>
      <span>{upload.name}</span>{' '}
      <progress max={100} value={upload.file ? 100 : percent} aria-label={`Uploading ${upload.name}`} />{' '}
      <span class={upload.error ? 'field-error' : 'muted'} role={upload.error ? 'alert' : undefined}>
        {state}
      </span>
    </li>
  );
}

export function FilesPage() {
  const client = useClient();
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const list = useQuery<{ files: Page<UploadedFile> }>(FILES, { after: cursors[cursors.length - 1] });
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [chosen, setChosen] = useState<Map<string, UploadedFile>>(new Map());
  const [instructions, setInstructions] = useState('');
  const [error, setError] = useState<ClientError | null>(null);
  const [busy, setBusy] = useState(false);

  const change = (key: number, update: Partial<Upload>) => setUploads((all) => all.map((u) => (u.key === key ? { ...u, ...update } : u)));
  const choose = (file: UploadedFile, on: boolean) =>
    setChosen((old) => {
      const next = new Map(old);
      if (on) next.set(file.id, file);
      else next.delete(file.id);
      return next;
    });

  const addFiles = (files: FileList | null) => {
    for (const file of files ? [...files] : []) {
      const key = nextKey++;
      setUploads((all) => [...all, { key, name: file.name, sent: 0, total: file.size }]);
      client.uploadFile(file, { onProgress: (sent, total) => change(key, { sent, total }) }).then(
        (uploaded) => {
          change(key, { file: uploaded });
          // What was just uploaded is chosen for the next batch.
          choose(uploaded, true);
          list.reload();
        },
        (err: ClientError) => change(key, { error: err }),
      );
    }
  };

  const remove = async (file: UploadedFile) => {
    setError(null);
    try {
      await client.request(DELETE_FILE, { id: file.id });
      choose(file, false);
      list.reload();
    } catch (err) {
      setError(err as ClientError);
    }
  };

  const analyse = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const documents = [...chosen.values()].map((f) => ({ name: f.name, file: { id: f.id } }));
      const batch = await client.analyzeDocuments({ documents, ...(instructions ? { instructions } : {}) });
      location.hash = href('batches', batch.id);
    } catch (err) {
      setError(err as ClientError);
    } finally {
      setBusy(false);
    }
  };

  const page = list.data?.files;
  return (
    <div>
      <h1>Files</h1>
      <DropZone onFiles={addFiles}>
        <label for="upload-files">Drop PDF, Word, HTML, Markdown or text files here, or choose them</label>
        <input id="upload-files" type="file" multiple accept={ACCEPT} onChange={(e) => addFiles(e.currentTarget.files)} />
      </DropZone>
      {uploads.length ? (
        <ul class="uploads" data-testid="uploads" aria-label="Uploads">
          {uploads.map((u) => (
            <UploadRow key={u.key} upload={u} />
          ))}
        </ul>
      ) : null}
      <ErrorNotice error={list.error} />
      {page ? (
        <form onSubmit={analyse}>
          <p class="muted">{page.totalCount} files</p>
          <div class="table-wrap">
            <table data-testid="files">
              <thead>
                <tr>
                  <th>Analyse</th>
                  <th>Name</th>
                  <th>Type</th>
                  <th>Size</th>
                  <th class="wide">Uploaded</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {page.edges.map(({ node: f }) => (
                  <tr key={f.id}>
                    <td>
                      <input type="checkbox" checked={chosen.has(f.id)} onChange={(e) => choose(f, e.currentTarget.checked)} aria-label={`Analyse ${f.name}`} />
                    </td>
                    <td>{f.name}</td>
                    <td class="mono">{f.contentType}</td>
                    <td>{size(f.size)}</td>
                    <td class="wide">
                      <Time iso={f.createdAt} />
                    </td>
                    <td>
                      <button type="button" onClick={() => void remove(f)} aria-label={`Delete ${f.name}`}>
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager cursors={cursors} setCursors={setCursors} pageInfo={page.pageInfo} />
          <label for="files-instructions">Instructions (optional)</label>
          <input id="files-instructions" value={instructions} onInput={(e) => setInstructions(e.currentTarget.value)} style={{ width: '100%' }} />
          <ErrorNotice error={error} />
          <p>
            <button class="primary" type="submit" disabled={busy || chosen.size === 0}>
              Analyse {chosen.size === 1 ? '1 file' : `${chosen.size} files`}
            </button>
          </p>
        </form>
      ) : null}
    </div>
  );
}
