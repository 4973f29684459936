/* The front end's recorder as the flows in lib/ use it (flow.h). */
#include "config.h"

#include "flow.h"

void pr_recorder_hold(const struct pr_recorder *rec, bool on)
{
	if (rec->hold != NULL)
		rec->hold(rec->arg, on);
}
