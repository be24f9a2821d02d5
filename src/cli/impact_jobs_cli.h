/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/impact_jobs_cli.h -- `impact jobs`, `impact job ...` and `impact
 * worker` (cmd_impact_jobs.c), dispatched by `azukari impact`.
 */
#ifndef AZK_IMPACT_JOBS_CLI_H
#define AZK_IMPACT_JOBS_CLI_H

/* argv[0] is "jobs", "job" or "worker"; returns the exit status. */
int azk_cli_impact_jobs(int argc, char **argv);

#endif
