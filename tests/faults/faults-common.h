/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * What every fault-injection case checks once the fault is over, whatever the
 * fault was: the state file parses, status tells the truth, the supervisor
 * agrees with the intent, and nothing half-made is left in the home. Built on
 * the adversarial suite's harness (hostile-common.h).
 */

#include <json-glib/json-glib.h>

#include "hostile-common.h"

G_BEGIN_DECLS

/* @normal, or @under_valgrind when every hermes runs under valgrind (each run costs ~30x) */
guint
faults_count(guint normal, guint under_valgrind);

gchar *
faults_profile_home(HostileFixture *fx, const gchar *home, const gchar *profile);

/* `desired_state` of @profile_home/gateway_state.json, NULL when the file or the key is
 * missing; a file that is there but not a JSON object (half-written, empty) fails the test */
gchar *
faults_desired(const gchar *profile_home, const gchar *what);

/* `--json -p PROFILE gateway status`, which must exit 0 and tell the truth: never `up`
 * with a dead pid or a supervisor that is gone */
JsonObject *
faults_status(HostileFixture *fx, const gchar *home, const gchar *profile, const gchar *what);

/* the supervisor ends where the recorded intent says, within a short settling time: an
 * s6-supervise holds the slot, `running` is up (not unready) with a live pid, wanted up;
 * `stopped` is down, wanted down */
void
faults_assert_converged(HostileFixture *fx,
			const gchar *home,
			const gchar *profile,
			const gchar *what);

/* nothing half-made below @home: no temporary of the safe file layer, no staging,
 * replaced or removing slot, no hidden s6 event FIFO, no profile staging, and every slot
 * has its scripts */
void
faults_assert_no_leftovers(const gchar *home, const gchar *what);

/* @profile's gateway started with a payload that takes 4 s to drain on SIGTERM, then a
 * `gateway stop` of it in the background, returned once s6 has taken its 'd' and the
 * gateway drains: a stop caught halfway */
HostileChild *
faults_spawn_draining_stop(HostileFixture *fx, const gchar *profile);

/* the s6-svscan processes working on @home's embedded scan directory */
guint
faults_svscan_count(const gchar *home);

G_END_DECLS
