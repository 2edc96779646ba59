/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-etcd-client.h"

G_BEGIN_DECLS

JsonObject *
hermes_etcd_client_call(HermesEtcdClient *self,
			const gchar *path,
			JsonObject *request,
			GError **error);

GInputStream *
hermes_etcd_client_open_stream(HermesEtcdClient *self,
			       const gchar *path,
			       JsonObject *request,
			       GCancellable *cancellable,
			       GError **error);

G_END_DECLS
