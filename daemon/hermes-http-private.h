/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <libsoup/soup.h>

#include "hermes-http-server.h"
#include "hermes-log-reader.h"
#include "hermes-status-service.h"

G_BEGIN_DECLS

struct _HermesHttpServer {
	GObject parent_instance;
	HermesStatusService *service;
	SoupServer *soup;
	gchar *home;	      /* HERMES_HOME: the token and the address file live here */
	gchar *token;	      /* the credential of every action */
	gchar *dashboard_dir; /* index.html, dashboard.js, dashboard.css */
	gboolean read_only_public;
	gchar *url;		/* what it serves, without the token */
	gchar *unix_path;	/* when it listens on a Unix socket */
	GPtrArray *host_names;	/* the Host headers it answers to, "" for any */
	GPtrArray *streams;	/* HermesHttpStream: the open event streams */
	GPtrArray *log_streams; /* HermesHttpLogStream: the open log streams */
	gulong changed_id;
};

/* hermes-http-auth.c: who may do what */
typedef enum {
	HERMES_HTTP_ACCESS_READ,   /* a GET of the API */
	HERMES_HTTP_ACCESS_SECRET, /* a GET of what may hold secrets (logs): always the token */
	HERMES_HTTP_ACCESS_WRITE,  /* a POST that changes something */
} HermesHttpAccess;

gboolean
hermes_http_server_authorize(HermesHttpServer *self,
			     SoupServerMessage *msg,
			     HermesHttpAccess access);
void
hermes_http_server_reply_error(SoupServerMessage *msg, guint status, const gchar *message);
void
hermes_http_server_reply_json(SoupServerMessage *msg, guint status, JsonNode *node);

/* hermes-http-api.c: /api/gateways... */
void
hermes_http_api_handle(HermesHttpServer *self,
		       SoupServerMessage *msg,
		       const gchar *path,
		       GHashTable *query);
guint
hermes_http_api_status_for(const GError *error);
JsonObject *
hermes_http_api_log_line_json(const HermesLogLine *line);

/* hermes-http-events.c: /api/events */
void
hermes_http_events_handle(HermesHttpServer *self, SoupServerMessage *msg);
void
hermes_http_events_start(HermesHttpServer *self);
void
hermes_http_events_stop(HermesHttpServer *self);

/* hermes-http-log-stream.c: /api/gateways/NAME/log?follow=1 */
void
hermes_http_log_stream_open(HermesHttpServer *self,
			    SoupServerMessage *msg,
			    const gchar *profile,
			    guint n);
void
hermes_http_log_stream_stop(HermesHttpServer *self);

G_END_DECLS
