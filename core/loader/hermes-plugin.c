/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "hermes-error.h"
#include "hermes-plugin-private.h"

/* one backend file the loader found, with its verdict and probe result */
struct _HermesPlugin {
	GObject parent_instance;
	gchar *name;
	gchar *path;
	HermesPluginState state;
	gchar *refusal;
	HermesError refusal_code;
	guint abi_major;
	guint abi_minor;
	gchar *version;
	GType manager_type;
	guint score;
	gchar *reason;
	gboolean chosen;
};

G_DEFINE_FINAL_TYPE(HermesPlugin, hermes_plugin, G_TYPE_OBJECT)

static void
hermes_plugin_finalize(GObject *object)
{
	HermesPlugin *self = HERMES_PLUGIN(object);
	g_free(self->name);
	g_free(self->path);
	g_free(self->refusal);
	g_free(self->version);
	g_free(self->reason);
	G_OBJECT_CLASS(hermes_plugin_parent_class)->finalize(object);
}

static void
hermes_plugin_class_init(HermesPluginClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = hermes_plugin_finalize;
}

static void
hermes_plugin_init(HermesPlugin *self)
{
	self->state = HERMES_PLUGIN_STATE_REFUSED;
}

HermesPlugin *
hermes_plugin_new(const gchar *name, const gchar *path)
{
	HermesPlugin *self = g_object_new(HERMES_TYPE_PLUGIN, NULL);
	self->name = g_strdup(name);
	self->path = g_strdup(path);
	return self;
}

void
hermes_plugin_set_refused(HermesPlugin *self,
			  HermesPluginState state,
			  HermesError code,
			  const gchar *reason)
{
	self->state = state;
	self->refusal_code = code;
	g_free(self->refusal);
	self->refusal = g_strdup(reason);
}

void
hermes_plugin_set_abi(HermesPlugin *self, guint abi_major, guint abi_minor)
{
	self->abi_major = abi_major;
	self->abi_minor = abi_minor;
}

void
hermes_plugin_set_loaded(HermesPlugin *self,
			 guint abi_major,
			 guint abi_minor,
			 const gchar *version,
			 GType manager_type)
{
	self->state = HERMES_PLUGIN_STATE_LOADED;
	hermes_plugin_set_abi(self, abi_major, abi_minor);
	g_free(self->version);
	self->version = g_strdup(version);
	self->manager_type = manager_type;
}

void
hermes_plugin_set_probe(HermesPlugin *self, guint score, const gchar *reason)
{
	self->score = score;
	g_free(self->reason);
	self->reason = g_strdup(reason);
}

void
hermes_plugin_set_chosen(HermesPlugin *self, gboolean chosen)
{
	self->chosen = chosen;
}

/**
 * hermes_plugin_get_name:
 * @self: a #HermesPlugin
 *
 * Returns: the backend name taken from the file name
 */
const gchar *
hermes_plugin_get_name(HermesPlugin *self)
{
	g_return_val_if_fail(HERMES_IS_PLUGIN(self), NULL);
	return self->name;
}

/**
 * hermes_plugin_get_path:
 * @self: a #HermesPlugin
 *
 * Returns: the file's path
 */
const gchar *
hermes_plugin_get_path(HermesPlugin *self)
{
	g_return_val_if_fail(HERMES_IS_PLUGIN(self), NULL);
	return self->path;
}

/**
 * hermes_plugin_get_state:
 * @self: a #HermesPlugin
 *
 * Returns: whether the file was loaded
 */
HermesPluginState
hermes_plugin_get_state(HermesPlugin *self)
{
	g_return_val_if_fail(HERMES_IS_PLUGIN(self), HERMES_PLUGIN_STATE_REFUSED);
	return self->state;
}

/**
 * hermes_plugin_get_refusal:
 * @self: a #HermesPlugin
 *
 * Returns: (nullable): why the file was refused or shadowed
 */
const gchar *
hermes_plugin_get_refusal(HermesPlugin *self)
{
	g_return_val_if_fail(HERMES_IS_PLUGIN(self), NULL);
	return self->refusal;
}

/**
 * hermes_plugin_get_refusal_code:
 * @self: a #HermesPlugin
 *
 * Returns: the kind of refusal: %HERMES_ERROR_PERMISSION_DENIED for an
 * untrusted file, %HERMES_ERROR_ABI_MISMATCH for a file that is not a
 * backend of this ABI, %HERMES_ERROR_ALREADY_EXISTS when shadowed
 */
HermesError
hermes_plugin_get_refusal_code(HermesPlugin *self)
{
	g_return_val_if_fail(HERMES_IS_PLUGIN(self), HERMES_ERROR_FAILED);
	return self->refusal_code;
}

/**
 * hermes_plugin_get_abi_major:
 * @self: a #HermesPlugin
 *
 * Returns: the ABI major the file declares, 0 if it could not be read
 */
guint
hermes_plugin_get_abi_major(HermesPlugin *self)
{
	g_return_val_if_fail(HERMES_IS_PLUGIN(self), 0);
	return self->abi_major;
}

/**
 * hermes_plugin_get_abi_minor:
 * @self: a #HermesPlugin
 *
 * Returns: the ABI minor the file declares
 */
guint
hermes_plugin_get_abi_minor(HermesPlugin *self)
{
	g_return_val_if_fail(HERMES_IS_PLUGIN(self), 0);
	return self->abi_minor;
}

/**
 * hermes_plugin_get_version:
 * @self: a #HermesPlugin
 *
 * Returns: (nullable): the plugin's version, once loaded
 */
const gchar *
hermes_plugin_get_version(HermesPlugin *self)
{
	g_return_val_if_fail(HERMES_IS_PLUGIN(self), NULL);
	return self->version;
}

/**
 * hermes_plugin_get_score:
 * @self: a #HermesPlugin
 *
 * Returns: the probe score, 0 if not here or not loaded
 */
guint
hermes_plugin_get_score(HermesPlugin *self)
{
	g_return_val_if_fail(HERMES_IS_PLUGIN(self), 0);
	return self->score;
}

/**
 * hermes_plugin_get_reason:
 * @self: a #HermesPlugin
 *
 * Returns: (nullable): the probe's one-line reason
 */
const gchar *
hermes_plugin_get_reason(HermesPlugin *self)
{
	g_return_val_if_fail(HERMES_IS_PLUGIN(self), NULL);
	return self->reason;
}

/**
 * hermes_plugin_get_chosen:
 * @self: a #HermesPlugin
 *
 * Returns: %TRUE if hermes_backend_loader_choose() picked this backend
 */
gboolean
hermes_plugin_get_chosen(HermesPlugin *self)
{
	g_return_val_if_fail(HERMES_IS_PLUGIN(self), FALSE);
	return self->chosen;
}

/**
 * hermes_plugin_get_manager_type:
 * @self: a #HermesPlugin
 *
 * Returns: the #HermesServiceManager type, %G_TYPE_INVALID unless loaded
 */
GType
hermes_plugin_get_manager_type(HermesPlugin *self)
{
	g_return_val_if_fail(HERMES_IS_PLUGIN(self), G_TYPE_INVALID);
	return self->manager_type;
}

/**
 * hermes_plugin_create_manager:
 * @self: a loaded #HermesPlugin
 * @ctx: the context the manager runs in
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): a ready manager
 */
HermesServiceManager *
hermes_plugin_create_manager(HermesPlugin *self, HermesContext *ctx, GError **error)
{
	g_autoptr(HermesServiceManager) manager = NULL;
	g_return_val_if_fail(HERMES_IS_PLUGIN(self), NULL);
	g_return_val_if_fail(HERMES_IS_CONTEXT(ctx), NULL);
	if (self->state != HERMES_PLUGIN_STATE_LOADED) {
		g_set_error(error,
			    HERMES_ERROR,
			    self->refusal_code,
			    "backend '%s' (%s) is not loaded: %s",
			    self->name,
			    self->path,
			    self->refusal != NULL ? self->refusal : "unknown reason");
		return NULL;
	}
	manager = g_object_new(self->manager_type, NULL);
	if (!hermes_service_manager_setup(manager, ctx, error)) {
		g_prefix_error(error, "backend '%s': ", self->name);
		return NULL;
	}
	return g_steal_pointer(&manager);
}

/**
 * hermes_plugin_state_to_string:
 * @state: a #HermesPluginState
 *
 * Returns: `loaded`, `refused` or `shadowed`
 */
const gchar *
hermes_plugin_state_to_string(HermesPluginState state)
{
	switch (state) {
	case HERMES_PLUGIN_STATE_LOADED:
		return "loaded";
	case HERMES_PLUGIN_STATE_SHADOWED:
		return "shadowed";
	case HERMES_PLUGIN_STATE_REFUSED:
	default:
		return "refused";
	}
}

/**
 * hermes_plugin_to_json:
 * @self: a #HermesPlugin
 *
 * Returns: (transfer full): the plugin as a JSON object
 */
JsonNode *
hermes_plugin_to_json(HermesPlugin *self)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	g_return_val_if_fail(HERMES_IS_PLUGIN(self), NULL);
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "name");
	json_builder_add_string_value(builder, self->name);
	json_builder_set_member_name(builder, "path");
	json_builder_add_string_value(builder, self->path);
	json_builder_set_member_name(builder, "state");
	json_builder_add_string_value(builder, hermes_plugin_state_to_string(self->state));
	json_builder_set_member_name(builder, "refusal");
	if (self->refusal != NULL)
		json_builder_add_string_value(builder, self->refusal);
	else
		json_builder_add_null_value(builder);
	json_builder_set_member_name(builder, "refusal_code");
	if (self->refusal != NULL)
		json_builder_add_string_value(builder, hermes_error_to_string(self->refusal_code));
	else
		json_builder_add_null_value(builder);
	json_builder_set_member_name(builder, "abi");
	if (self->abi_major != 0) {
		g_autofree gchar *abi = g_strdup_printf("%u.%u", self->abi_major, self->abi_minor);
		json_builder_add_string_value(builder, abi);
	} else {
		json_builder_add_null_value(builder);
	}
	json_builder_set_member_name(builder, "version");
	if (self->version != NULL)
		json_builder_add_string_value(builder, self->version);
	else
		json_builder_add_null_value(builder);
	json_builder_set_member_name(builder, "score");
	json_builder_add_int_value(builder, self->score);
	json_builder_set_member_name(builder, "reason");
	if (self->reason != NULL)
		json_builder_add_string_value(builder, self->reason);
	else
		json_builder_add_null_value(builder);
	json_builder_set_member_name(builder, "chosen");
	json_builder_add_boolean_value(builder, self->chosen);
	json_builder_end_object(builder);
	return json_builder_get_root(builder);
}
