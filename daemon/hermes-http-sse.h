/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* the transport of one Server-Sent Events response; embedded in its owner */
typedef struct {
	SoupServerMessage *msg;
	gsize queued;	  /* appended to the body and not written yet */
	gsize max_queued; /* past it, the client is too slow: send() says stop */
	gboolean ended;	  /* the body is complete: nothing more goes out */
	GSource *hangup;  /* the client's socket, watched for its close */
	gulong finished_id;
	gulong wrote_id;
	void (*hung_up)(gpointer owner);  /* the client closed: the owner ends the stream */
	void (*finished)(gpointer owner); /* the message is done: the owner frees itself */
	gpointer owner;
} HermesHttpSse;

void
hermes_http_sse_start(HermesHttpSse *sse,
		      SoupServerMessage *msg,
		      gsize max_queued,
		      void (*hung_up)(gpointer owner),
		      void (*finished)(gpointer owner),
		      gpointer owner);
gboolean
hermes_http_sse_send(HermesHttpSse *sse, const gchar *event, JsonNode *node);
void
hermes_http_sse_end(HermesHttpSse *sse, const gchar *event, JsonNode *node);
void
hermes_http_sse_clear(HermesHttpSse *sse);

G_END_DECLS
