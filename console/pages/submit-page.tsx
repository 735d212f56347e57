/**
 * Submit: a form per kind from jobKinds. document.analyze takes pasted text or dropped
 * files (several → analyzeDocuments, one batch); chain has a step editor; every kind
 * takes raw JSON checked against its inputSchema. Server errors appear next to the
 * field their extensions.path names.
 */
import { useState } from 'preact/hooks';
import { ClientError, type Batch, type Job } from '../../client/index.js';
import { useClient, useQuery } from '../api.js';
import { JOB_KINDS } from '../queries.js';
import { href } from '../router.js';
import { checkSchema, type SchemaProblem } from '../schema-check.js';
import { ErrorNotice } from '../ui/bits.js';
import { DropZone } from '../ui/drop-zone.js';

interface Kind {
  name: string;
  description: string;
  steps: string[];
  inputSchema: Record<string, unknown>;
}

type Path = ReadonlyArray<string | number>;
const startsWith = (path: Path | undefined, prefix: Path) => !!path && prefix.every((p, i) => String(path[i]) === String(p));

/** The message of `error` when its path starts with `prefix`. */
function FieldError({ error, prefix }: { error: ClientError | null; prefix: Path }) {
  if (!error || !startsWith(error.path, prefix)) return null;
  return (
    <p class="field-error" role="alert">
      {error.message}
    </p>
  );
}

function Problems({ problems }: { problems: SchemaProblem[] }) {
  if (problems.length === 0) return null;
  return (
    <ul class="field-error" role="alert">
      {problems.map((p, i) => (
        <li key={i}>
          <code>{p.path.join('.') || '(input)'}</code> {p.message}
        </li>
      ))}
    </ul>
  );
}

interface Doc {
  name: string;
  text: string;
}

function DocumentForm({ onDone }: { onDone: (where: string) => void }) {
  const client = useClient();
  const [docs, setDocs] = useState<Doc[]>([]);
  const [paste, setPaste] = useState('');
  const [instructions, setInstructions] = useState('');
  const [error, setError] = useState<ClientError | null>(null);
  const [busy, setBusy] = useState(false);

  const addFiles = async (files: FileList | null) => {
    if (!files) return;
    const read = await Promise.all([...files].map(async (f) => ({ name: f.name, text: await f.text() })));
    setDocs((d) => [...d, ...read]);
  };
  const all = (): Doc[] => [...docs, ...(paste.trim() ? [{ name: 'pasted text', text: paste }] : [])];
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const documents = all();
    if (documents.length === 0) return setError(new ClientError('paste text or add at least one file', 'BAD_USER_INPUT', ['input', 'documents']));
    setBusy(true);
    try {
      if (documents.length === 1) {
        const job: Job = await client.submitJob({ kind: 'document.analyze', input: { ...documents[0], ...(instructions ? { instructions } : {}) } });
        onDone(href('jobs', job.id));
      } else {
        const batch: Batch = await client.analyzeDocuments({ documents, ...(instructions ? { instructions } : {}) });
        onDone(href('batches', batch.id));
      }
    } catch (err) {
      setError(err as ClientError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit}>
      <label for="doc-paste">Paste text</label>
      <textarea id="doc-paste" value={paste} onInput={(e) => setPaste(e.currentTarget.value)} />
      <FieldError error={error} prefix={['input', 'input', 'text']} />
      <DropZone onFiles={(files) => void addFiles(files)}>
        <label for="doc-files">Drop text files here, or choose them</label>
        <input id="doc-files" type="file" multiple accept=".txt,.md,.csv,.json,text/*" onChange={(e) => void addFiles(e.currentTarget.files)} />
        <p class="muted">
          PDF or Word? Upload them on the <a href={href('files')}>Files</a> page.
        </p>
      </DropZone>
      {docs.length ? (
        <ul data-testid="documents">
          {docs.map((d, i) => (
            <li key={i}>
              {d.name} <span class="muted">({d.text.length.toLocaleString()} characters)</span>{' '}
              <button type="button" onClick={() => setDocs((all) => all.filter((_, k) => k !== i))} aria-label={`Remove ${d.name}`}>
                Remove
              </button>
              <FieldError error={error} prefix={['input', 'documents', i]} />
            </li>
          ))}
        </ul>
      ) : null}
      <FieldError error={error} prefix={['input', 'documents']} />
      <label for="doc-instructions">Instructions (optional)</label>
      <input id="doc-instructions" value={instructions} onInput={(e) => setInstructions(e.currentTarget.value)} style={{ width: '100%' }} />
      <FieldError error={error} prefix={['input', 'instructions']} />
      {error && !error.path ? <ErrorNotice error={error} /> : null}
      <p>
        <button class="primary" type="submit" disabled={busy}>
          Analyse {all().length > 1 ? `${all().length} documents` : 'document'}
        </button>
      </p>
    </form>
  );
}

function ChainForm({ onDone }: { onDone: (where: string) => void }) {
  const client = useClient();
  const [steps, setSteps] = useState([{ name: 'step1', prompt: '' }]);
  const [error, setError] = useState<ClientError | null>(null);
  const set = (i: number, field: 'name' | 'prompt', value: string) => setSteps((s) => s.map((x, k) => (k === i ? { ...x, [field]: value } : x)));
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const job = await client.submitJob({ kind: 'chain', input: { steps } });
      onDone(href('jobs', job.id));
    } catch (err) {
      setError(err as ClientError);
    }
  };
  return (
    <form onSubmit={submit}>
      {steps.map((s, i) => (
        <fieldset key={i} class="card" style={{ marginBottom: '8px' }}>
          <legend>Step {i + 1}</legend>
          <label for={`step-name-${i}`}>Name</label>
          <input id={`step-name-${i}`} value={s.name} onInput={(e) => set(i, 'name', e.currentTarget.value)} />
          <FieldError error={error} prefix={['input', 'input', 'steps', i, 'name']} />
          <label for={`step-prompt-${i}`}>Prompt</label>
          <textarea id={`step-prompt-${i}`} value={s.prompt} onInput={(e) => set(i, 'prompt', e.currentTarget.value)} />
          <FieldError error={error} prefix={['input', 'input', 'steps', i, 'prompt']} />
          <button type="button" disabled={steps.length === 1} onClick={() => setSteps((all) => all.filter((_, k) => k !== i))}>
            Remove step
          </button>
        </fieldset>
      ))}
      <div class="row">
        <button type="button" onClick={() => setSteps((s) => [...s, { name: `step${s.length + 1}`, prompt: '' }])}>
          Add step
        </button>
        <button class="primary" type="submit">
          Submit chain
        </button>
      </div>
      {error && !startsWith(error.path, ['input', 'input', 'steps']) ? <ErrorNotice error={error} /> : null}
    </form>
  );
}

function RawForm({ kind, onDone }: { kind: Kind; onDone: (where: string) => void }) {
  const client = useClient();
  const [text, setText] = useState('{\n  \n}');
  const [problems, setProblems] = useState<SchemaProblem[]>([]);
  const [error, setError] = useState<ClientError | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    let input: unknown;
    try {
      input = JSON.parse(text);
    } catch (err) {
      return setProblems([{ path: [], message: `is not valid JSON: ${(err as Error).message}` }]);
    }
    const found = checkSchema(kind.inputSchema, input);
    setProblems(found);
    if (found.length) return;
    try {
      const job = await client.submitJob({ kind: kind.name, input });
      onDone(href('jobs', job.id));
    } catch (err) {
      setError(err as ClientError);
    }
  };
  return (
    <form onSubmit={submit}>
      <label for="raw-input">Input JSON for {kind.name}</label>
      <textarea id="raw-input" class="mono" value={text} onInput={(e) => setText(e.currentTarget.value)} />
      <Problems problems={problems} />
      <FieldError error={error} prefix={['input', 'input']} />
      {error && !startsWith(error.path, ['input', 'input']) ? <ErrorNotice error={error} /> : null}
      <details>
        <summary>Input schema</summary>
        <pre>{JSON.stringify(kind.inputSchema, null, 2)}</pre>
      </details>
      <p>
        <button class="primary" type="submit">
          Submit {kind.name}
        </button>
      </p>
    </form>
  );
}

export function SubmitPage() {
  const kinds = useQuery<{ jobKinds: Kind[] }>(JOB_KINDS);
  const [selected, setSelected] = useState<string>('document.analyze');
  const [raw, setRaw] = useState(false);
  const list = kinds.data?.jobKinds ?? [];
  const kind = list.find((k) => k.name === selected) ?? list[0];
  const onDone = (where: string) => (location.hash = where);
  return (
    <div>
      <h1>Submit</h1>
      <ErrorNotice error={kinds.error} />
      {kind ? (
        <>
          <div class="row">
            <label for="kind" style={{ margin: 0 }}>
              Kind
            </label>
            <select id="kind" value={kind.name} onChange={(e) => setSelected(e.currentTarget.value)}>
              {list.map((k) => (
                <option key={k.name} value={k.name}>
                  {k.name}
                </option>
              ))}
            </select>
            <label class="row" style={{ margin: 0, fontWeight: 400 }}>
              <input type="checkbox" checked={raw} onChange={(e) => setRaw(e.currentTarget.checked)} /> Raw JSON
            </label>
          </div>
          <p class="muted">
            {kind.description} Steps: {kind.steps.join(' → ')}.
          </p>
          {raw ? (
            <RawForm kind={kind} onDone={onDone} />
          ) : kind.name === 'document.analyze' ? (
            <DocumentForm onDone={onDone} />
          ) : kind.name === 'chain' ? (
            <ChainForm onDone={onDone} />
          ) : (
            <RawForm kind={kind} onDone={onDone} />
          )}
        </>
      ) : null}
    </div>
  );
}
