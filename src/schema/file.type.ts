/** `File`: an uploaded file (POST /files), and its connection for `Query.files`. */
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { PageInfo } from './page-info.type.js';
import { DateTimeScalar } from './scalars.js';

@ObjectType('File', { description: 'A file uploaded with POST /files; a job names it as `file: { id }`.' })
export class File {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'The name it was uploaded with.' })
  name!: string;

  @Field(() => String, {
    description: 'Detected from its bytes: application/pdf, application/vnd.openxmlformats-officedocument.wordprocessingml.document, text/html, text/markdown or text/plain.',
  })
  contentType!: string;

  @Field(() => Int, { description: 'Bytes stored.' })
  size!: number;

  @Field(() => String, { description: 'SHA-256 (hex) of the stored bytes.' })
  sha256!: string;

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}

@ObjectType('FileEdge')
export class FileEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => File)
  node!: File;
}

@ObjectType('FileConnection')
export class FileConnection {
  @Field(() => [FileEdge])
  edges!: FileEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int)
  totalCount!: number;
}
