/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * HermesStatusService's object tree and its events: one object per gateway
 * and per profile without a slot, kill -9 signalled with the new pid, a
 * port change, and gateways and profiles coming and going while the
 * service runs. (The fixture: status-service-test.h.)
 */

#include "hermes-dbus-generated.h"
#include "status-service-test.h"

/* GetManagedObjects: one object per gateway and per profile without a slot, at its path */
static void
tree_assert_managed_objects(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariant) objects = NULL;
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	GVariantIter iter;
	const gchar *path;
	GVariant *ifaces;

	reply = call(f,
		     HERMES_STATUS_SERVICE_OBJECT_PATH,
		     "org.freedesktop.DBus.ObjectManager",
		     "GetManagedObjects",
		     NULL,
		     G_VARIANT_TYPE("(a{oa{sa{sv}}})"),
		     &error);
	hermes_assert_no_error(error);
	objects = g_variant_get_child_value(reply, 0);
	g_variant_iter_init(&iter, objects);
	while (g_variant_iter_next(&iter, "{&o@a{sa{sv}}}", &path, &ifaces)) {
		g_autoptr(GVariant) owned = ifaces;
		g_autoptr(GVariant) props =
			g_variant_lookup_value(owned, GATEWAY_IFACE, G_VARIANT_TYPE("a{sv}"));
		const gchar *profile = NULL;
		const gchar *st = NULL;
		gboolean registered = FALSE;
		assert_non_null(props);
		assert_true(g_variant_lookup(props, "Profile", "&s", &profile));
		assert_true(g_variant_lookup(props, "State", "&s", &st));
		assert_true(g_variant_lookup(props, "Registered", "b", &registered));
		{
			g_autofree gchar *expected = path_of(profile);
			assert_string_equal(path, expected);
		}
		g_hash_table_insert(seen, g_strdup(profile), g_strdup(st));
		assert_true(registered == (g_strcmp0(st, "unregistered") != 0));
	}
	assert_int_equal(g_hash_table_size(seen), 4);
	assert_string_equal(g_hash_table_lookup(seen, "alpha"), "down");
	assert_string_equal(g_hash_table_lookup(seen, "beta"), "down");
	assert_string_equal(g_hash_table_lookup(seen, "my-bot"), "unregistered");
	assert_string_equal(g_hash_table_lookup(seen, "default"), "unregistered");
}

/* a profile without a slot, named by the escaped profile, says why and what fixes it */
static void
tree_assert_no_slot(Fixture *f)
{
	g_autofree gchar *bot_path = NULL;

	bot_path = path_of("my-bot");
	assert_string_equal(bot_path, "/ai/hermes/ServiceManager1/gateway/my_2dbot");
	{
		g_autofree gchar *problem = get_string(f, "my-bot", "Problem");
		g_autofree gchar *reason = get_string(f, "my-bot", "Reason");
		g_autoptr(GVariant) problems = get_prop(f, "my-bot", "Problems");
		const gchar *code = NULL;
		const gchar *text = NULL;
		const gchar *fix = NULL;
		hermes_assert_str_contains(problem, "no slot with the supervisor");
		/* the same problem, typed, with the command that fixes it */
		assert_string_equal(reason, "none");
		assert_true(g_variant_is_of_type(problems, G_VARIANT_TYPE("a(sss)")));
		assert_int_equal(g_variant_n_children(problems), 1);
		g_variant_get_child(problems, 0, "(&s&s&s)", &code, &text, &fix);
		assert_string_equal(code, "no-slot");
		assert_string_equal(text, problem);
		assert_string_equal(fix, "hermes -p my-bot gateway start");
	}
}

/* the root object: what backend, how, which version */
static void
tree_assert_root(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) root = NULL;

	root = call(f,
		    HERMES_STATUS_SERVICE_OBJECT_PATH,
		    "org.freedesktop.DBus.Properties",
		    "GetAll",
		    g_variant_new("(s)", HERMES_STATUS_SERVICE_INTERFACE),
		    G_VARIANT_TYPE("(a{sv})"),
		    &error);
	hermes_assert_no_error(error);
	{
		g_autoptr(GVariant) props = g_variant_get_child_value(root, 0);
		const gchar *value = NULL;
		gboolean running = FALSE;
		assert_true(g_variant_lookup(props, "Backend", "&s", &value));
		assert_string_equal(value, "s6");
		assert_true(g_variant_lookup(props, "BackendMode", "&s", &value));
		assert_string_equal(value, "scandir");
		assert_true(g_variant_lookup(props, "Version", "&s", &value));
		assert_string_equal(value, PACKAGE_VERSION);
		assert_true(g_variant_lookup(props, "Supervisor", "&s", &value));
		hermes_assert_str_contains(value, f->scandir);
		assert_true(g_variant_lookup(props, "SupervisorRunning", "b", &running));
		assert_true(running);
	}
}

/* one object per gateway, one per profile without a slot, named by the escaped profile */
static void
test_status_service_tree(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;

	create_profile(f, "alpha");
	create_profile(f, "beta");
	create_profile(f, "my-bot");
	register_gateway(f, "alpha", HERMES_REGISTER_FLAG_NONE);
	register_gateway(f, "beta", HERMES_REGISTER_FLAG_NONE);
	export(f);
	assert_int_equal(hermes_status_service_get_n_gateways(f->service), 4);
	/* a slot just registered is unknown until its supervisor has written its status */
	wait_string(f, "alpha", "State", "down");
	wait_string(f, "beta", "State", "down");

	tree_assert_managed_objects(f);
	tree_assert_no_slot(f);
	tree_assert_root(f);

	/* read-only: a client cannot write a property */
	g_clear_pointer(&reply, g_variant_unref);
	{
		g_autofree gchar *alpha = path_of("alpha");
		reply = call(
			f,
			alpha,
			"org.freedesktop.DBus.Properties",
			"Set",
			g_variant_new("(ssv)", GATEWAY_IFACE, "State", g_variant_new_string("up")),
			NULL,
			&error);
		assert_null(reply);
		assert_non_null(error);
		g_clear_error(&error);
	}
}

/* kill -9: s6 restarts the gateway, PropertiesChanged carries the state and the new pid */
static void
test_status_service_kill_is_signalled(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *path = path_of("demo");
	gint64 pid;
	gint64 t0;
	guint from;
	HermesTestSignal *s;

	create_profile(f, "demo");
	register_gateway(f, "demo", HERMES_REGISTER_FLAG_START);
	export(f);
	wait_string(f, "demo", "State", "up");
	wait_string(f, "demo", "Ready", "yes");
	pid = get_pid(f, "demo");
	assert_true(pid > 0);

	from = f->signals->len;
	t0 = g_get_monotonic_time();
	assert_int_equal(kill((pid_t)pid, SIGKILL), 0);
	s = hermes_test_wait_signal(f->signals,
				    &from,
				    hermes_test_signal_is_new_pid,
				    &pid,
				    WAIT_MS,
				    "PropertiesChanged with a new Pid");
	print_message("# kill -9 to PropertiesChanged: %.1f ms\n",
		      (g_get_monotonic_time() - t0) / 1000.0);
	assert_string_equal(s->path, path);
	{
		g_autoptr(GVariant) changed = g_variant_get_child_value(s->params, 1);
		const gchar *st = NULL;
		const gchar *iface = NULL;
		g_variant_get_child(s->params, 0, "&s", &iface);
		assert_string_equal(iface, GATEWAY_IFACE);
		/* the state changes with the pid: down (0) or up again (a new one) */
		assert_true(g_variant_lookup(changed, "State", "&s", &st));
		assert_true(g_strcmp0(st, "down") == 0 || g_strcmp0(st, "up") == 0 ||
			    g_strcmp0(st, "starting") == 0);
	}
	/* and it comes back with a new process */
	wait_string(f, "demo", "State", "up");
	assert_true(get_pid(f, "demo") != pid);
	assert_true(get_pid(f, "demo") > 0);
	{
		g_autoptr(GVariant) last = get_prop(f, "demo", "LastExit");
		gint code = 0;
		gint sig = 0;
		g_variant_get(last, "(ii)", &code, &sig);
		assert_int_equal(sig, SIGKILL);
	}
}

/* gateways and profiles coming and going while the service runs */
/* a port changed in one .env shows with that gateway's next event, on both rows it concerns */
static void
test_status_service_port_change(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesProfile) one = NULL;
	g_autoptr(HermesProfile) two = NULL;
	g_autofree gchar *one_env = NULL;
	g_autofree gchar *two_env = NULL;
	const gchar *line = "port collision: profiles one and two both use port 8642 "
			    "(API_SERVER_PORT)";

	create_profile(f, "one");
	create_profile(f, "two");
	register_gateway(f, "one", HERMES_REGISTER_FLAG_NONE);
	register_gateway(f, "two", HERMES_REGISTER_FLAG_NONE);
	one = hermes_profile_lookup(f->ctx, "one", NULL);
	two = hermes_profile_lookup(f->ctx, "two", NULL);
	one_env = g_build_filename(hermes_profile_get_home(one), ".env", NULL);
	two_env = g_build_filename(hermes_profile_get_home(two), ".env", NULL);
	hermes_test_write_file(one_env, "API_SERVER_PORT=8642\n", 0600);
	export(f);
	wait_string(f, "one", "State", "down");
	wait_string(f, "two", "State", "down");
	{
		g_autofree gchar *problem = get_string(f, "one", "Problem");
		assert_null(strstr(problem, "port collision"));
	}

	/* two asks for one's port; its gateway's event reads its .env again */
	hermes_test_write_file(two_env, "API_SERVER_PORT=8642\n", 0600);
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(HermesGatewayStatus) status =
			hermes_service_manager_get_status(f->manager, "two", NULL, &error);
		hermes_assert_no_error(error);
		hermes_service_manager_emit_gateway_changed(f->manager, "two", status);
	}
	wait_string(f, "two", "Problem", line);
	wait_string(f, "one", "Problem", line);

	/* and a fix goes the same way */
	hermes_test_write_file(two_env, "API_SERVER_PORT=8643\n", 0600);
	hermes_service_manager_emit_gateway_changed(f->manager, "two", NULL);
	wait_string(f, "two", "Problem", "");
	wait_string(f, "one", "Problem", "");
}

static void
test_status_service_added_removed(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *fresh = path_of("fresh");
	g_autofree gchar *bare = path_of("bare");
	g_autoptr(GError) error = NULL;
	guint from = 0;
	HermesTestSignal *s;

	export(f);
	assert_int_equal(hermes_status_service_get_n_gateways(f->service), 1);

	/* a profile with a slot: InterfacesAdded with the whole row */
	create_profile(f, "fresh");
	register_gateway(f, "fresh", HERMES_REGISTER_FLAG_NONE);
	s = hermes_test_wait_signal(f->signals,
				    &from,
				    hermes_test_signal_is_added,
				    fresh,
				    WAIT_MS,
				    "InterfacesAdded for fresh");
	{
		g_autoptr(GVariant) ifaces = g_variant_get_child_value(s->params, 1);
		g_autoptr(GVariant) props =
			g_variant_lookup_value(ifaces, GATEWAY_IFACE, G_VARIANT_TYPE("a{sv}"));
		const gchar *profile = NULL;
		assert_non_null(props);
		assert_true(g_variant_lookup(props, "Profile", "&s", &profile));
		assert_string_equal(profile, "fresh");
	}
	wait_string(f, "fresh", "State", "down");

	/* a profile that has no slot: a row too, as in `hermes status` */
	create_profile(f, "bare");
	hermes_test_wait_signal(f->signals,
				&from,
				hermes_test_signal_is_added,
				bare,
				WAIT_MS,
				"InterfacesAdded for bare");
	wait_string(f, "bare", "State", "unregistered");

	/* unregistered but still a profile: the row stays, unregistered */
	assert_true(hermes_service_manager_unregister_gateway(f->manager, "fresh", NULL, &error));
	hermes_assert_no_error(error);
	wait_string(f, "fresh", "State", "unregistered");
	{
		g_autoptr(GVariant) reg = get_prop(f, "fresh", "Registered");
		assert_false(g_variant_get_boolean(reg));
	}

	/* the profile goes: InterfacesRemoved */
	assert_true(hermes_profile_delete(f->ctx, "fresh", &error));
	hermes_assert_no_error(error);
	hermes_test_wait_signal(f->signals,
				&from,
				hermes_test_signal_is_removed,
				fresh,
				WAIT_MS,
				"InterfacesRemoved for fresh");
	assert_true(hermes_profile_delete(f->ctx, "bare", &error));
	hermes_assert_no_error(error);
	hermes_test_wait_signal(f->signals,
				&from,
				hermes_test_signal_is_removed,
				bare,
				WAIT_MS,
				"InterfacesRemoved for bare");
	assert_int_equal(hermes_status_service_get_n_gateways(f->service), 1);
}

/*****************************************************************************/
/* the shape of the tree, as GDBusObjectManagerServer and the generated skeletons had it */

static gchar *
shape_introspect(Fixture *f, const gchar *path)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = call(f,
					 path,
					 "org.freedesktop.DBus.Introspectable",
					 "Introspect",
					 NULL,
					 G_VARIANT_TYPE("(s)"),
					 &error);
	gchar *xml = NULL;
	hermes_assert_no_error(error);
	g_variant_get(reply, "(s)", &xml);
	return xml;
}

/* the root has both interfaces and the node "gateway"; a gateway its interface, as generated */
static void
shape_assert_introspection(Fixture *f)
{
	g_autofree gchar *root = shape_introspect(f, HERMES_STATUS_SERVICE_OBJECT_PATH);
	g_autofree gchar *dir = shape_introspect(f, HERMES_STATUS_SERVICE_OBJECT_PATH "/gateway");
	g_autofree gchar *alpha_path = path_of("alpha");
	g_autofree gchar *alpha = shape_introspect(f, alpha_path);
	g_autofree gchar *stranger =
		shape_introspect(f, HERMES_STATUS_SERVICE_OBJECT_PATH "/gateway/nope");
	g_autoptr(GString) generated = g_string_new(NULL);

	hermes_assert_str_contains(root,
				   "<interface name=\"" HERMES_STATUS_SERVICE_INTERFACE "\">");
	hermes_assert_str_contains(root, "<interface name=\"org.freedesktop.DBus.ObjectManager\">");
	/* GLib's own description of the object manager, to the letter */
	hermes_assert_str_contains(
		root,
		"<arg type=\"a{oa{sa{sv}}}\" "
		"name=\"object_paths_interfaces_and_properties\" direction=\"out\"/>");
	hermes_assert_str_contains(root,
				   "<arg type=\"a{sa{sv}}\" name=\"interfaces_and_properties\"/>");
	hermes_assert_str_contains(root, "<node name=\"gateway\"/>");
	hermes_assert_str_contains(dir, "<node name=\"alpha\"/>");
	hermes_assert_str_contains(dir, "<node name=\"my_2dbot\"/>");
	hermes_assert_str_contains(dir, "<node name=\"default\"/>");
	assert_null(strstr(dir, "<interface"));
	g_dbus_interface_info_generate_xml(
		hermes_dbus_service_manager1_gateway_interface_info(), 2, generated);
	hermes_assert_str_contains(alpha, generated->str);
	hermes_assert_str_contains(alpha, "<interface name=\"org.freedesktop.DBus.Properties\">");
	assert_null(strstr(stranger, "<interface"));
}

/* GetAll, every Get and the row of GetManagedObjects agree, in the order of the XML */
static void
shape_assert_properties(Fixture *f, const gchar *profile)
{
	GDBusPropertyInfo **infos =
		hermes_dbus_service_manager1_gateway_interface_info()->properties;
	g_autofree gchar *path = path_of(profile);
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) all = NULL;
	g_autoptr(GVariant) props = NULL;
	g_autoptr(GVariant) managed = NULL;
	g_autoptr(GVariant) objects = NULL;
	g_autoptr(GVariant) ifaces = NULL;
	g_autoptr(GVariant) row = NULL;

	all = call(f,
		   path,
		   "org.freedesktop.DBus.Properties",
		   "GetAll",
		   g_variant_new("(s)", GATEWAY_IFACE),
		   G_VARIANT_TYPE("(a{sv})"),
		   &error);
	hermes_assert_no_error(error);
	props = g_variant_get_child_value(all, 0);
	assert_int_equal(g_variant_n_children(props), g_strv_length((gchar **)infos));
	for (guint i = 0; infos[i] != NULL; i++) {
		g_autoptr(GVariant) entry = g_variant_get_child_value(props, i);
		g_autoptr(GVariant) value = NULL;
		g_autoptr(GVariant) one = get_prop(f, profile, infos[i]->name);
		const gchar *name = NULL;
		g_variant_get(entry, "{&sv}", &name, &value);
		assert_string_equal(name, infos[i]->name);
		assert_string_equal(g_variant_get_type_string(value), infos[i]->signature);
		assert_true(g_variant_equal(value, one));
	}
	managed = call(f,
		       HERMES_STATUS_SERVICE_OBJECT_PATH,
		       "org.freedesktop.DBus.ObjectManager",
		       "GetManagedObjects",
		       NULL,
		       G_VARIANT_TYPE("(a{oa{sa{sv}}})"),
		       &error);
	hermes_assert_no_error(error);
	objects = g_variant_get_child_value(managed, 0);
	ifaces = g_variant_lookup_value(objects, path, G_VARIANT_TYPE("a{sa{sv}}"));
	assert_non_null(ifaces);
	assert_int_equal(g_variant_n_children(ifaces), 1);
	row = g_variant_lookup_value(ifaces, GATEWAY_IFACE, G_VARIANT_TYPE("a{sv}"));
	assert_true(g_variant_equal(row, props));
}

/* a call to what is not there fails with the D-Bus error it always had */
static void
shape_assert_error(Fixture *f,
		   const gchar *path,
		   const gchar *iface,
		   const gchar *method,
		   GVariant *args,
		   const gchar *name)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = call(f, path, iface, method, args, NULL, &error);
	g_autofree gchar *remote = NULL;
	assert_null(reply);
	assert_non_null(error);
	remote = g_dbus_error_get_remote_error(error);
	assert_string_equal(remote, name);
}

static void
shape_assert_errors(Fixture *f)
{
	const gchar *nope = HERMES_STATUS_SERVICE_OBJECT_PATH "/gateway/nope";
	/* "alpha", escaped as no gateway's path is: not the gateway alpha */
	const gchar *alias = HERMES_STATUS_SERVICE_OBJECT_PATH "/gateway/_61lpha";
	const gchar *unknown = "org.freedesktop.DBus.Error.UnknownMethod";
	const gchar *invalid = "org.freedesktop.DBus.Error.InvalidArgs";
	g_autofree gchar *alpha = path_of("alpha");

	shape_assert_error(f, nope, GATEWAY_IFACE, "Start", NULL, unknown);
	shape_assert_error(f, alias, GATEWAY_IFACE, "Start", NULL, unknown);
	shape_assert_error(f,
			   nope,
			   "org.freedesktop.DBus.Properties",
			   "Get",
			   g_variant_new("(ss)", GATEWAY_IFACE, "Pid"),
			   unknown);
	shape_assert_error(f, alpha, GATEWAY_IFACE, "Frobnicate", NULL, unknown);
	shape_assert_error(f, alpha, GATEWAY_IFACE, "Start", g_variant_new("(s)", "x"), invalid);
	shape_assert_error(f,
			   alpha,
			   "org.freedesktop.DBus.Properties",
			   "Get",
			   g_variant_new("(ss)", GATEWAY_IFACE, "Nope"),
			   invalid);
	shape_assert_error(f,
			   alpha,
			   "org.freedesktop.DBus.Properties",
			   "GetAll",
			   g_variant_new("(s)", HERMES_STATUS_SERVICE_INTERFACE),
			   invalid);
	shape_assert_error(f,
			   HERMES_STATUS_SERVICE_OBJECT_PATH,
			   "org.freedesktop.DBus.Properties",
			   "GetAll",
			   g_variant_new("(s)", GATEWAY_IFACE),
			   invalid);
}

static gboolean
shape_signal_is_changed(HermesTestSignal *s, gconstpointer object_path)
{
	return g_strcmp0(s->member, "PropertiesChanged") == 0 &&
	       g_strcmp0(s->path, object_path) == 0;
}

/* PropertiesChanged carries what differs, and nothing when nothing does */
static void
shape_assert_changes(Fixture *f)
{
	g_autofree gchar *path = path_of("alpha");
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewayStatus) status = NULL;
	guint from = f->signals->len;
	HermesTestSignal *s;

	status = hermes_service_manager_get_status(f->manager, "alpha", NULL, &error);
	hermes_assert_no_error(error);
	/* drawn again as it is: the signal would come before the reply to a later call */
	hermes_service_manager_emit_gateway_changed(f->manager, "alpha", status);
	g_variant_unref(get_prop(f, "alpha", "State"));
	for (guint i = from; i < f->signals->len; i++)
		assert_false(shape_signal_is_changed(g_ptr_array_index(f->signals, i), path));

	/* a new status: the row holds the one it was drawn from */
	g_clear_pointer(&status, hermes_gateway_status_unref);
	status = hermes_service_manager_get_status(f->manager, "alpha", NULL, &error);
	hermes_assert_no_error(error);
	hermes_gateway_status_set_raw(status, "test.mark", "1");
	hermes_service_manager_emit_gateway_changed(f->manager, "alpha", status);
	s = hermes_test_wait_signal(f->signals,
				    &from,
				    shape_signal_is_changed,
				    path,
				    WAIT_MS,
				    "PropertiesChanged for alpha");
	{
		g_autoptr(GVariant) changed = g_variant_get_child_value(s->params, 1);
		g_autoptr(GVariant) invalidated = g_variant_get_child_value(s->params, 2);
		g_autoptr(GVariant) details = NULL;
		const gchar *mark = NULL;
		assert_string_equal(g_variant_get_type_string(s->params), "(sa{sv}as)");
		assert_int_equal(g_variant_n_children(changed), 1);
		details = g_variant_lookup_value(changed, "Details", G_VARIANT_TYPE("a{ss}"));
		assert_non_null(details);
		assert_true(g_variant_lookup(details, "test.mark", "&s", &mark));
		assert_string_equal(mark, "1");
		assert_int_equal(g_variant_n_children(invalidated), 0);
	}
}

static void
test_status_service_shape(void **state)
{
	Fixture *f = *state;

	create_profile(f, "alpha");
	create_profile(f, "my-bot");
	register_gateway(f, "alpha", HERMES_REGISTER_FLAG_NONE);
	export(f);
	wait_string(f, "alpha", "State", "down");

	shape_assert_introspection(f);
	shape_assert_properties(f, "alpha");
	shape_assert_properties(f, "my-bot");
	shape_assert_errors(f);
	shape_assert_changes(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_status_service_tree),
		T(test_status_service_kill_is_signalled),
		T(test_status_service_added_removed),
		T(test_status_service_port_change),
		T(test_status_service_shape),
	};
	/* the gateways' output must not interleave with TAP */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
