/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

#include "hermes-etcd-kv.h"

G_BEGIN_DECLS

/* the whole of one call, every endpoint tried included: an unreachable cluster is an
 * error within this, never a hang (issue 14: "within a few seconds") */
#define HERMES_ETCD_CALL_TIMEOUT_MS 5000
/* one endpoint's share: a member that accepts and then says nothing is left for the next */
#define HERMES_ETCD_ENDPOINT_TIMEOUT_S 2

#define HERMES_TYPE_ETCD_CLIENT (hermes_etcd_client_get_type())
G_DECLARE_FINAL_TYPE(HermesEtcdClient, hermes_etcd_client, HERMES, ETCD_CLIENT, GObject)

HermesEtcdClient *
hermes_etcd_client_new(const gchar *endpoints, GError **error);
const gchar *
hermes_etcd_client_get_endpoints(HermesEtcdClient *self);
void
hermes_etcd_client_set_call_timeout(HermesEtcdClient *self, guint timeout_ms);
void
hermes_etcd_client_set_cancellable(HermesEtcdClient *self, GCancellable *cancellable);
gboolean
hermes_etcd_client_set_auth(HermesEtcdClient *self,
			    const gchar *user,
			    const gchar *password,
			    GError **error);
gboolean
hermes_etcd_client_set_tls(HermesEtcdClient *self,
			   const gchar *ca_file,
			   const gchar *cert_file,
			   const gchar *key_file,
			   GError **error);
GPtrArray *
hermes_etcd_client_range(HermesEtcdClient *self,
			 const gchar *key,
			 gboolean prefix,
			 gint64 *revision,
			 GError **error);
gboolean
hermes_etcd_client_put(
	HermesEtcdClient *self, const gchar *key, const gchar *value, gint64 lease, GError **error);
gboolean
hermes_etcd_client_delete(HermesEtcdClient *self, const gchar *key, GError **error);
gboolean
hermes_etcd_client_create(HermesEtcdClient *self,
			  const gchar *key,
			  const gchar *value,
			  gint64 lease,
			  gboolean *created,
			  GError **error);
gboolean
hermes_etcd_client_delete_if_lease(
	HermesEtcdClient *self, const gchar *key, gint64 lease, gboolean *deleted, GError **error);
gint64
hermes_etcd_client_lease_grant(HermesEtcdClient *self, gint64 ttl_s, GError **error);
gint64
hermes_etcd_client_lease_keepalive(HermesEtcdClient *self, gint64 lease, GError **error);
gboolean
hermes_etcd_client_lease_ttl(HermesEtcdClient *self,
			     gint64 lease,
			     gint64 *remaining_s,
			     gint64 *granted_s,
			     GError **error);
gboolean
hermes_etcd_client_lease_revoke(HermesEtcdClient *self, gint64 lease, GError **error);

G_END_DECLS
