/*
 * Metastore calls in process: the same call as hms_client_call(), served by
 * an hms_service of this process instead of a metastore behind a socket.
 * The call is encoded as a binary-protocol message into memory, run by
 * hms_service_handle_message() over a memory transport, and the reply is
 * decoded from memory. The service thus receives the bytes a TCP client
 * would send, and every method of owlery-metastore is available.
 *
 * Replies are decoded without size limits: the bytes come from this
 * process, not from a peer.
 */
#ifndef OWL_HMS_LOCAL_H
#define OWL_HMS_LOCAL_H

#include "hms/client.h"
#include "hms/service.h"

/*
 * Calls method with args on service (an hms_service *, typed void * so the
 * function fits connector_call_fn). Same contract as hms_client_call():
 * *result is the result struct (declared exceptions included), which the
 * caller frees. Returns false with err filled when the service rejects the
 * call with a TApplicationException (HMS_ERROR_APPLICATION) or the call
 * cannot be encoded or its reply decoded (HMS_ERROR_CONFIG).
 */
bool hms_local_call(void *service, const char *method, const thrift_value *args,
                    thrift_value **result, hms_error *err);

#endif
