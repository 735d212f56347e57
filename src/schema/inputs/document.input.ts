/** `DocumentInput`: one named document of `AnalyzeDocumentsInput`, as text or as a file; `FileRefInput`. */
import { Field, ID, InputType } from 'type-graphql';

@InputType('FileRefInput', {
  description: 'Exactly one of id (an upload of this tenant, POST /files) and url (fetched by the worker; https only unless FILE_ALLOW_PRIVATE_URLS).',
})
export class FileRefInput {
  @Field(() => ID, { nullable: true, description: 'A file uploaded with POST /files.' })
  id?: string | null;

  @Field(() => String, { nullable: true, description: 'A URL the worker fetches through the address guard, within FILE_FETCH_TIMEOUT_MS and FILE_MAX_BYTES.' })
  url?: string | null;
}

@InputType('DocumentInput', { description: 'One document: its text, or a file that a first step `read` fetches and extracts. Exactly one of text and file.' })
export class DocumentInput {
  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true, description: 'The document. Give this or file.' })
  text?: string | null;

  @Field(() => FileRefInput, { nullable: true, description: 'The document as a file; a first step `read` extracts its text (PDF, .docx, HTML, Markdown, plain text). Give this or text.' })
  file?: FileRefInput | null;
}
