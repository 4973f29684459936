/*
 * What a multi-step flow in lib/ takes from its front end to write audit
 * records (doc/ARCHITECTURE.md §3.1, §8.3): the module and each program
 * record with their own actor, service and fields, so the flow names the
 * event, result, method, credential and detail and the front end writes
 * the line. The order of the records and what each says are the flow's.
 */
#ifndef PR_FLOW_H
#define PR_FLOW_H

#include <stdbool.h>

#include "cred.h"

struct pr_recorder {
	/*
	 * Before a change: its record on file should the program end before
	 * record writes it (§8.3). PR_OK, or an error: the change is not made
	 * (the flow then records the failure itself).
	 */
	int (*begin)(void *arg, const char *event, const char *method,
	    const struct pr_cred *cred, const char *detail);
	/* One record (err PR_OK: success); PR_OK when written. Settles a begin of the same event. */
	int (*record)(void *arg, const char *event, int err, const char *method,
	    const struct pr_cred *cred, const char *detail);
	/* The change whose success record failed was taken back: nothing is left to record. */
	void (*undone)(void *arg);
	/*
	 * Around each change and its record (may be NULL): a setuid program
	 * blocks signals there, so no ^C leaves a change without its record.
	 */
	void (*hold)(void *arg, bool on);
	void *arg;
};

/* rec->hold, where there is one. */
void pr_recorder_hold(const struct pr_recorder *rec, bool on);

#endif
