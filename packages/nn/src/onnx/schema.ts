/**
 * The part of ONNX's schema (onnx.proto, package `onnx`, proto2) that an exported model uses, as a protobufjs
 * JSON descriptor.
 *
 * Why protobufjs with a JSON descriptor: the wire format (varints, tags, length prefixes, field order) is written
 * by a maintained library rather than by hand, and the descriptor is data in a TS module, so nothing is read from
 * a file at run time. protobufjs's light build (`protobufjs/light.js`) turns it into encoders with
 * `Root.fromJSON`; embedding .proto text instead would need the full build, which ships and runs a .proto
 * parser on every page that exports. The code runs in a browser as in Node. What we own is this table, and
 * schema.test.ts checks it against the onnx.proto that Debian's python3-onnx installs: every message, field
 * name, number, type, label and packing here is the same as there, and every enum value. Field names are ONNX's
 * own snake_case, so the objects the exporter encodes read like onnx.proto.
 *
 * One cost of a reflection-based library: protobufjs builds each message's encoder with `new Function` on first
 * use, so a page whose Content-Security-Policy forbids 'unsafe-eval' cannot call exportOnnx (Node, workers and
 * ordinary pages can). A pbjs-generated static encoder would avoid that, at the price of a generated file to keep
 * in step with this table.
 *
 * Fields and messages an exporter of feed-forward models never writes (training info, functions, sparse
 * tensors, external data, sequence and map types) are left out: every field of onnx.proto is optional, so a
 * message that omits them is complete.
 */

/** A protobufjs field descriptor: the field's type (scalar, message or enum name), its number, `repeated` or not. */
interface FieldJson {
  type: string;
  id: number;
  rule?: 'repeated';
  options?: { packed: boolean };
}

/** A protobufjs message descriptor, with its nested messages and enums. */
interface TypeJson {
  fields: Record<string, FieldJson>;
  oneofs?: Record<string, { oneof: string[] }>;
  nested?: Record<string, TypeJson | EnumJson>;
}

/** A protobufjs enum descriptor. */
interface EnumJson {
  values: Record<string, number>;
}

const NUMERIC = new Set(['float', 'double', 'int32', 'int64', 'uint64']);

/**
 * A repeated field. onnx.proto is proto2, where a repeated number is written unpacked (one tag per element)
 * unless marked `[packed = true]`; protobufjs's JSON descriptors pack by default, so unpacked is said here.
 */
const repeated = (type: string, id: number): FieldJson =>
  NUMERIC.has(type) ? { type, id, rule: 'repeated', options: { packed: false } } : { type, id, rule: 'repeated' };

/** `AttributeProto.AttributeType`, the discriminator of an attribute's value. */
export const AttributeType = {
  UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, SPARSE_TENSOR: 11, TYPE_PROTO: 13,
  FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10, SPARSE_TENSORS: 12, TYPE_PROTOS: 14,
} as const;

/** `TensorProto.DataType`, an element type. */
export const DataType = {
  UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9,
  FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, COMPLEX64: 14, COMPLEX128: 15, BFLOAT16: 16,
} as const;

/** The messages of onnx.proto an exported model is made of (names and numbers exactly as in onnx.proto). */
export const onnxSchema: { nested: { onnx: { nested: Record<string, TypeJson | EnumJson> } } } = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            ref_attr_name: { type: 'string', id: 21 },
            doc_string: { type: 'string', id: 13 },
            type: { type: 'AttributeType', id: 20 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            floats: repeated('float', 7),
            ints: repeated('int64', 8),
            strings: repeated('bytes', 9),
            tensors: repeated('TensorProto', 10),
          },
          nested: { AttributeType: { values: { ...AttributeType } } },
        },
        ValueInfoProto: {
          fields: {
            name: { type: 'string', id: 1 },
            type: { type: 'TypeProto', id: 2 },
            doc_string: { type: 'string', id: 3 },
          },
        },
        NodeProto: {
          fields: {
            input: repeated('string', 1),
            output: repeated('string', 2),
            name: { type: 'string', id: 3 },
            op_type: { type: 'string', id: 4 },
            domain: { type: 'string', id: 7 },
            attribute: repeated('AttributeProto', 5),
            doc_string: { type: 'string', id: 6 },
          },
        },
        ModelProto: {
          fields: {
            ir_version: { type: 'int64', id: 1 },
            opset_import: repeated('OperatorSetIdProto', 8),
            producer_name: { type: 'string', id: 2 },
            producer_version: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            model_version: { type: 'int64', id: 5 },
            doc_string: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            metadata_props: repeated('StringStringEntryProto', 14),
          },
        },
        StringStringEntryProto: {
          fields: {
            key: { type: 'string', id: 1 },
            value: { type: 'string', id: 2 },
          },
        },
        GraphProto: {
          fields: {
            node: repeated('NodeProto', 1),
            name: { type: 'string', id: 2 },
            initializer: repeated('TensorProto', 5),
            doc_string: { type: 'string', id: 10 },
            input: repeated('ValueInfoProto', 11),
            output: repeated('ValueInfoProto', 12),
            value_info: repeated('ValueInfoProto', 13),
          },
        },
        TensorProto: {
          fields: {
            dims: repeated('int64', 1),
            data_type: { type: 'int32', id: 2 },
            name: { type: 'string', id: 8 },
            doc_string: { type: 'string', id: 12 },
            raw_data: { type: 'bytes', id: 9 },
          },
          nested: { DataType: { values: { ...DataType } } },
        },
        TensorShapeProto: {
          fields: { dim: repeated('Dimension', 1) },
          nested: {
            Dimension: {
              fields: {
                dim_value: { type: 'int64', id: 1 },
                dim_param: { type: 'string', id: 2 },
                denotation: { type: 'string', id: 3 },
              },
              oneofs: { value: { oneof: ['dim_value', 'dim_param'] } },
            },
          },
        },
        TypeProto: {
          fields: {
            tensor_type: { type: 'Tensor', id: 1 },
            denotation: { type: 'string', id: 6 },
          },
          nested: {
            Tensor: {
              fields: {
                elem_type: { type: 'int32', id: 1 },
                shape: { type: 'TensorShapeProto', id: 2 },
              },
            },
          },
        },
        OperatorSetIdProto: {
          fields: {
            domain: { type: 'string', id: 1 },
            version: { type: 'int64', id: 2 },
          },
        },
      },
    },
  },
};
