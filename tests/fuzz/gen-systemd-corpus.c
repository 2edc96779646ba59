/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Writes corpus/systemd-status: pairs of a{sv} (Unit, Service) in GVariant
 * text form, serialised the way fuzz-systemd-status.c reads them. Run from
 * the source tree: ninja -C BUILD tests/fuzz/gen-systemd-corpus &&
 * BUILD/tests/fuzz/gen-systemd-corpus tests/fuzz/corpus/systemd-status
 */

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

static const gchar *hermes_gen_pairs[][3] = {
	{"running",
	 "{'Id': <'hermes-gateway-default.service'>, 'LoadState': <'loaded'>, 'ActiveState': "
	 "<'active'>, 'SubState': <'running'>, 'UnitFileState': <'enabled'>, 'FragmentPath': "
	 "<'/home/u/.config/systemd/user/hermes-gateway-default.service'>, "
	 "'ActiveEnterTimestamp': <uint64 1700000000000000>, 'StateChangeTimestamp': <uint64 "
	 "1700000000000000>, 'StartLimitIntervalUSec': <uint64 600000000>, 'StartLimitBurst': "
	 "<uint32 5>, 'NeedDaemonReload': <false>}",
	 "{'Result': <'success'>, 'Type': <'notify'>, 'MainPID': <uint32 4242>, "
	 "'ExecMainCode': <0>, 'ExecMainStatus': <0>, 'NRestarts': <uint32 0>, "
	 "'TimeoutStopUSec': <uint64 90000000>, 'RestartPreventExitStatus': <([78], "
	 "@ai [])>}"},
	{"parked",
	 "{'Id': <'hermes-gateway-coder.service'>, 'LoadState': <'loaded'>, 'ActiveState': "
	 "<'failed'>, 'SubState': <'failed'>, 'UnitFileState': <'enabled'>, "
	 "'StateChangeTimestamp': <uint64 1700000100000000>, 'StartLimitIntervalUSec': <uint64 "
	 "600000000>, 'StartLimitBurst': <uint32 5>, 'NeedDaemonReload': <true>}",
	 "{'Result': <'start-limit-hit'>, 'Type': <'notify'>, 'MainPID': <uint32 0>, "
	 "'ExecMainCode': <1>, 'ExecMainStatus': <1>, 'NRestarts': <uint32 5>, "
	 "'TimeoutStopUSec': <uint64 90000000>, 'RestartPreventExitStatus': <([0, 78], @ai "
	 "[])>}"},
	{"exit-config",
	 "{'Id': <'hermes-gateway-x.service'>, 'LoadState': <'loaded'>, 'ActiveState': "
	 "<'inactive'>, 'SubState': <'dead'>}",
	 "{'Result': <'exit-code'>, 'ExecMainCode': <1>, 'ExecMainStatus': <78>, "
	 "'RestartPreventExitStatus': <([78], [15])>}"},
	{"killed",
	 "{'Id': <'hermes-gateway-y.service'>, 'ActiveState': <'activating'>, 'SubState': "
	 "<'auto-restart'>}",
	 "{'Result': <'signal'>, 'ExecMainCode': <2>, 'ExecMainStatus': <9>, 'NRestarts': "
	 "<uint32 3>}"},
	{"not-found",
	 "{'Id': <'hermes-gateway-z.service'>, 'LoadState': <'not-found'>, 'ActiveState': "
	 "<'inactive'>, 'SubState': <'dead'>}",
	 "@a{sv} {}"},
	{"mistyped",
	 "{'Id': <uint32 7>, 'ActiveState': <['active']>, 'MainPID': <'4242'>}",
	 "{'MainPID': <int32 -1>, 'RestartPreventExitStatus': <'78'>, 'NRestarts': <uint64 3>}"},
	{"empty", "@a{sv} {}", "@a{sv} {}"},
};

int
main(int argc, char **argv)
{
	if (argc != 2) {
		g_printerr("usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (guint i = 0; i < G_N_ELEMENTS(hermes_gen_pairs); i++) {
		g_autoptr(GError) error_local = NULL;
		g_autoptr(GVariant) unit = NULL;
		g_autoptr(GVariant) service = NULL;
		g_autoptr(GByteArray) out = g_byte_array_new();
		g_autofree gchar *path = NULL;
		guint8 head[2];
		gsize unit_size;

		unit = g_variant_parse(
			G_VARIANT_TYPE_VARDICT, hermes_gen_pairs[i][1], NULL, NULL, &error_local);
		if (unit != NULL)
			service = g_variant_parse(G_VARIANT_TYPE_VARDICT,
						  hermes_gen_pairs[i][2],
						  NULL,
						  NULL,
						  &error_local);
		if (service == NULL) {
			g_printerr("%s: %s\n", hermes_gen_pairs[i][0], error_local->message);
			return 1;
		}
		unit_size = g_variant_get_size(unit);
		head[0] = unit_size & 0xff;
		head[1] = (unit_size >> 8) & 0xff;
		g_byte_array_append(out, head, 2);
		g_byte_array_append(out, g_variant_get_data(unit), unit_size);
		g_byte_array_append(out, g_variant_get_data(service), g_variant_get_size(service));
		path = g_build_filename(argv[1], hermes_gen_pairs[i][0], NULL);
		if (!g_file_set_contents(path, (const gchar *)out->data, out->len, &error_local)) {
			g_printerr("%s\n", error_local->message);
			return 1;
		}
	}
	return 0;
}
