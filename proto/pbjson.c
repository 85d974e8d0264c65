/*  pbjson.c — any protobuf-c message as JSON (see include/fsd/pbjson.h). */
#include "fsd/pbjson.h"

#include <string.h>
#include "fsd/wire.h"

/* The JSON value of one element of a field; NULL when the element is the
   zero value that proto3 treats as absent (and then it is left out). */
static json_t *s_value(const ProtobufCFieldDescriptor *f, const void *p, int repeated)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        return (s && (repeated || *s)) ? json_string(s) : NULL;
    }
    case PROTOBUF_C_TYPE_BOOL:
        return (repeated || *(const protobuf_c_boolean *)p) ? json_boolean(*(const protobuf_c_boolean *)p)
                                                            : NULL;
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32: {
        int32_t v = *(const int32_t *)p;
        return (repeated || v) ? json_integer(v) : NULL;
    }
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32: {
        uint32_t v = *(const uint32_t *)p;
        return (repeated || v) ? json_integer(v) : NULL;
    }
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64: {
        int64_t v = *(const int64_t *)p;
        return (repeated || v) ? json_integer(v) : NULL;
    }
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: {
        uint64_t v = *(const uint64_t *)p;
        return (repeated || v) ? json_integer((json_int_t)v) : NULL;
    }
    case PROTOBUF_C_TYPE_DOUBLE: {
        double v = *(const double *)p;
        return (repeated || v != 0) ? json_real(v) : NULL;
    }
    case PROTOBUF_C_TYPE_FLOAT: {
        float v = *(const float *)p;
        return (repeated || v != 0) ? json_real(v) : NULL;
    }
    case PROTOBUF_C_TYPE_ENUM: {
        int v = *(const int *)p;
        if (!repeated && v == 0)
            return NULL;
        return json_string(wire_enum_name(f->descriptor, v));
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *m = *(ProtobufCMessage *const *)p;
        return m ? pbjson_from_message(m) : NULL;
    }
    case PROTOBUF_C_TYPE_BYTES:
    default: return NULL;
    }
}

/* Size in bytes of one element of a repeated field. */
static size_t s_elem_size(const ProtobufCFieldDescriptor *f)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_MESSAGE: return sizeof(void *);
    case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE: return 8;
    case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
    default: return 4;
    }
}

json_t *pbjson_from_message(const ProtobufCMessage *msg)
{
    json_t *obj = json_object();
    if (!obj)
        return NULL;
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    const char *base = (const char *)msg;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *member = base + f->offset;
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            uint32_t which = *(const uint32_t *)(base + f->quantifier_offset);
            if (which != f->id)
                continue;
        }
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + f->quantifier_offset);
            const char *arr = *(char *const *)member;
            json_t *list = json_array();
            for (size_t k = 0; k < n; k++) {
                json_t *v = s_value(f, arr + k * s_elem_size(f), 1);
                if (v)
                    json_array_append_new(list, v);
            }
            json_object_set_new(obj, f->name, list);
            continue;
        }
        json_t *v = s_value(f, member, 0);
        if (v)
            json_object_set_new(obj, f->name, v);
    }
    return obj;
}
