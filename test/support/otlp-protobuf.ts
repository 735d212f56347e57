/**
 * Decodes an OTLP/HTTP protobuf trace export (ExportTraceServiceRequest) with protobufjs,
 * from the part of opentelemetry-proto's trace, common and resource messages a test reads
 * (field numbers as in opentelemetry-proto v1; fields left out are skipped as unknown).
 */
import protobuf from 'protobufjs';

const OTLP_TRACE_SUBSET = `
syntax = "proto3";
package otlp;

message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message Resource { repeated KeyValue attributes = 1; }
message ScopeSpans { repeated Span spans = 2; }
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  bytes parent_span_id = 4;
  string name = 5;
  int32 kind = 6;
  repeated KeyValue attributes = 9;
  repeated Link links = 13;
  Status status = 15;
}
message Link { bytes trace_id = 1; bytes span_id = 2; repeated KeyValue attributes = 4; }
message Status { string message = 2; int32 code = 3; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
`;

const Request = protobuf.parse(OTLP_TRACE_SUBSET, { keepCase: false }).root.lookupType('otlp.ExportTraceServiceRequest');

const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);

/** Ids from base64 (protobufjs's rendering of bytes) to hex (OTLP/JSON's), everywhere in the tree. */
function hexIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(hexIds);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, ID_FIELDS.has(k) && typeof v === 'string' ? Buffer.from(v, 'base64').toString('hex') : hexIds(v)]),
  );
}

/**
 * The request as OTLP/JSON would carry it (camelCase names, hex ids, int64 as strings), so
 * one reader serves both encodings (spansOfJson in otlp-receiver.ts).
 */
export function otlpProtobufToJson(body: Uint8Array): unknown {
  return hexIds(Request.toObject(Request.decode(body), { longs: String, bytes: String, defaults: false }));
}
