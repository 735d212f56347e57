/** `npm run --silent schema`: prints the SDL the code emits. No database needed. */
import { printSchema } from 'graphql';
import { buildAppSchema } from './build-schema.js';

const schema = await buildAppSchema();
process.stdout.write(printSchema(schema) + '\n');
