/*  pbjson.h — any protobuf-c message as a JSON document (jansson).

    Walks the message's descriptor, so every view the server sends prints
    as JSON without a printer per message: field names as in fsd.proto,
    enums by name (see wire_enum_name), int64 as numbers, empty strings,
    zero numbers and unset enums left out. Used by every --json output. */
#ifndef FSD_PBJSON_H
#define FSD_PBJSON_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

/* A new JSON object for msg (NULL on allocation failure). */
json_t *pbjson_from_message(const ProtobufCMessage *msg);

#endif
